package org.moelab.mobie;

import org.moelab.Progress;
import org.moelab.baselines.DequantizedExperts;
import org.moelab.bitsmoe.calibration.CalibrationSet;
import org.moelab.compute.Parallel;
import org.moelab.linalg.SpectralCompute;
import org.moelab.model.LayerWeights;
import org.moelab.model.MoeModel;
import org.moelab.runtime.ExpertFfn;
import org.moelab.runtime.MoeBlock;
import org.moelab.runtime.MoeLayer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * MoBiE, "Efficient Inference of Mixture of Binary Experts under Post-Training Quantization" (arXiv
 * 2604.06798), as read in mobie.md: every routed expert binarized by the BiLLM/ARB base binarizer
 * ({@link Binarizer}), optionally with CEJD (shared 8-bit backbone, binarized per-expert factors,
 * {@link Cejd}), GLAS (loss-gradient saliency, {@link Glas}, gradients from {@link LossGradients}) and NGES
 * (null-space penalised Hessian for the weights reading the router input, {@link Nges}). Layer-sequential:
 * layer l is calibrated on the outputs of the quantized layers before it ({@link SequentialCalibration});
 * per layer, gate and up first, then down with the Hessian of the intermediate activations of the
 * quantized gate/up. The result is fake-quantized experts for
 * {@code new Transformer(model, DequantizedExperts.layers(model, experts))} and the storage in both bit
 * conventions.
 */
public final class Mobie {

    /**
     * @param cejd              cross-expert joint decomposition
     * @param glas              global-loss-aligned saliency
     * @param nges              null-space guided expert-shift suppression
     * @param binarizer         the base binarizer's options
     * @param side              CEJD backbone side (AUTO: the smaller side)
     * @param backboneBits      CEJD backbone precision, per-row symmetric (8)
     * @param lambda            GLAS' λ (1)
     * @param beta              NGES' β (1)
     * @param ngesEnergy        energy of the principal subspace (0.99)
     * @param gradientSequences calibration sequences for GLAS' gradient (0: all)
     * @param gradientLayers    MoE layers whose expert gradients one forward/backward pass accumulates (0: all
     *                          in one pass). k > 0 bounds the gradient memory to k layers' experts at the cost
     *                          of ⌈L/k⌉ passes, each computed just before its layers are quantized
     * @param minTokenFraction  experts with fewer routed tokens than this share of the calibration tokens are
     *                          binarized without a Hessian (H = I) and reported (0.005, as GPTQ's RTN fallback)
     */
    public record Options(boolean cejd, boolean glas, boolean nges, Binarizer.Options binarizer, Cejd.Side side,
                          int backboneBits, double lambda, double beta, double ngesEnergy, int gradientSequences,
                          int gradientLayers, double minTokenFraction) {

        /** Full MoBiE with the paper's defaults. */
        public static Options defaults() {
            return new Options(true, true, true, Binarizer.Options.defaults(), Cejd.Side.AUTO, 8, 1, 1, 0.99, 0, 0, 0.005);
        }

        /** The base binarizer alone (BiLLM + ARB). */
        public static Options base() {
            return defaults().with(false, false, false);
        }

        public Options with(boolean cejd, boolean glas, boolean nges) {
            return new Options(cejd, glas, nges, binarizer, side, backboneBits, lambda, beta, ngesEnergy, gradientSequences, gradientLayers, minTokenFraction);
        }

        public Options withBinarizer(Binarizer.Options b) {
            return new Options(cejd, glas, nges, b, side, backboneBits, lambda, beta, ngesEnergy, gradientSequences, gradientLayers, minTokenFraction);
        }

        public Options withNges(double energy, double beta) {
            return new Options(cejd, glas, nges, binarizer, side, backboneBits, lambda, beta, energy, gradientSequences, gradientLayers, minTokenFraction);
        }

        public Options withLambda(double lambda) {
            return new Options(cejd, glas, nges, binarizer, side, backboneBits, lambda, beta, ngesEnergy, gradientSequences, gradientLayers, minTokenFraction);
        }

        public Options withGradientSequences(int n) {
            return new Options(cejd, glas, nges, binarizer, side, backboneBits, lambda, beta, ngesEnergy, n, gradientLayers, minTokenFraction);
        }

        public Options withGradientLayers(int k) {
            return new Options(cejd, glas, nges, binarizer, side, backboneBits, lambda, beta, ngesEnergy, gradientSequences, k, minTokenFraction);
        }

        public String label() {
            if (!cejd && !glas && !nges) return "base";
            return (cejd ? "+CEJD" : "") + (glas ? "+GLAS" : "") + (nges ? "+NGES" : "");
        }
    }

    /**
     * Storage of the routed experts, in bits. Never report {@link #paper()} alone.
     *
     * @param weights      routed expert parameters
     * @param paperBits    the papers' convention: sign planes only (1 bit a weight, 2 on salient columns)
     * @param bitmapBits   group bitmaps of the non-salient weights and salient-column bitmaps
     * @param paramBits    fp16 α/μ, eight per row and block of 128 columns
     * @param backboneBits CEJD backbones at 8 bits with an fp16 scale per row
     */
    public record Bits(long weights, long paperBits, long bitmapBits, long paramBits, long backboneBits) {

        /** The papers' convention (≈1.1 bits). */
        public double paper() {
            return (double) paperBits / weights;
        }

        /** Everything stored, per routed expert weight. */
        public double honest() {
            return (double) (paperBits + bitmapBits + paramBits + backboneBits) / weights;
        }

        public String describe() {
            return String.format(java.util.Locale.ROOT, "%.3f bits (papers' convention: sign planes only) / %.3f bits honest "
                            + "(planes %.3f + bitmaps %.3f + fp16 α/μ %.3f + backbone %.3f)", paper(), honest(), paper(),
                    (double) bitmapBits / weights, (double) paramBits / weights, (double) backboneBits / weights);
        }
    }

    /**
     * @param loss     Σ of the binarizer's block errors over the layer's matrices
     * @param tokens   routed calibration tokens per expert
     * @param noHessian experts binarized with H = I (too few routed tokens)
     * @param ngesRank q, the principal rank of the router input (0 without NGES)
     */
    public record LayerReport(int layer, double loss, long[] tokens, List<Integer> noHessian, int ngesRank, double seconds) {
    }

    /**
     * @param experts      per layer (null for dense layers) the dequantized experts, for
     *                     {@code new Transformer(model, DequantizedExperts.layers(model, experts))}
     * @param binary       per layer (null for dense layers) the same experts run from their packed storage
     * @param gradientLoss the FP model's mean calibration cross-entropy GLAS differentiated (NaN without GLAS)
     */
    public record Result(List<List<DequantizedExperts.Expert>> experts, List<List<BinaryExpert>> binary, Bits bits,
                         List<LayerReport> layers, double gradientLoss, double seconds) {

        /** MoE layers that run the packed binary experts (router and shared experts as stored), for a Transformer. */
        public List<MoeLayer> packedLayers(MoeModel model) {
            List<MoeLayer> out = new ArrayList<>();
            for (int l = 0; l < model.layers().size(); l++) {
                LayerWeights lw = model.layers().get(l);
                out.add(lw.isMoe() ? new MoeBlock(lw.moe(), new ArrayList<ExpertFfn>(binary.get(l))) : null);
            }
            return out;
        }
    }

    private Mobie() {
    }

    public static Result quantize(MoeModel model, CalibrationSet set, Options o, Progress progress) {
        long t0 = System.nanoTime();
        RefModel ref = RefModel.of(model);
        int layers = model.config().layers();
        int[][] gradSeqs = set.sequences();
        if (o.gradientSequences() > 0) gradSeqs = Arrays.copyOf(gradSeqs, Math.min(gradSeqs.length, o.gradientSequences()));
        int perPass = o.gradientLayers() > 0 ? o.gradientLayers() : layers;
        ExpertGradients grads = null;
        double gradLoss = Double.NaN;
        SequentialCalibration cal = new SequentialCalibration(ref, set);
        List<List<DequantizedExperts.Expert>> done = new ArrayList<>();
        List<List<BinaryExpert>> binary = new ArrayList<>();
        List<LayerReport> reports = new ArrayList<>();
        long minTokens = Math.max(1, (long) Math.ceil(o.minTokenFraction() * set.tokens()));
        long[] bits = new long[4]; // paper, bitmaps, params, backbone
        for (int l = 0; l < layers; l++) {
            SequentialCalibration.Layer in = cal.enter(l);
            if (!model.layers().get(l).isMoe()) {
                done.add(null);
                binary.add(null);
                cal.leave(in, cal.model());
                continue;
            }
            long ls = System.nanoTime();
            if (o.glas() && (grads == null || !grads.has(l))) {
                grads = null; // the previous pass's layers are done: free them first
                grads = LossGradients.compute(ref, gradSeqs, l, Math.min(layers, l + perPass), progress);
                gradLoss = grads.loss();
            }
            MobieLayer q = new MobieLayer(cal.model().layers[l], in, grads, o, minTokens, SpectralCompute.chosen());
            List<DequantizedExperts.Expert> experts = q.quantize();
            done.add(experts);
            binary.add(q.binary());
            bits[0] += q.paperBits;
            bits[1] += q.bitmapBits;
            bits[2] += q.paramBits;
            bits[3] += q.backboneBits;
            reports.add(new LayerReport(l, q.loss, in.counts(), q.noHessian, q.ngesRank, (System.nanoTime() - ls) / 1e9));
            cal.leave(in, cal.model().withExperts(l, experts));
            progress.update("mobie " + o.label(), l + 1, layers);
        }
        Bits b = new Bits(model.routedExpertParameters(), bits[0], bits[1], bits[2], bits[3]);
        return new Result(done, binary, b, reports, gradLoss, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Runs {@code body} over experts [0, e) on the common fork/join pool, one expert per task: expert costs
     * differ (routed tokens, no-Hessian fallbacks), so work stealing balances better than fixed chunks, and
     * idle threads park instead of spinning, which matters on a shared machine.
     */
    static void forExperts(int e, Parallel.RangeBody body) {
        java.util.stream.IntStream.range(0, e).parallel().forEach(i -> body.run(i, i + 1));
    }
}
