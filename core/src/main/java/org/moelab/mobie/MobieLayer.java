package org.moelab.mobie;

import org.moelab.baselines.DequantizedExperts;
import org.moelab.linalg.SpectralCompute;

import java.util.ArrayList;
import java.util.List;

/**
 * One MoE layer of {@link Mobie}: gate and up of every expert (Hessian of the routed router inputs,
 * NGES-penalised when on), then down (Hessian of the intermediate activations of the quantized gate/up),
 * each either binarized directly or, under CEJD, as the per-expert factor of a joint decomposition whose
 * backbone is kept at 8 bits. Experts binarize in parallel; the sums below are filled after the join.
 */
final class MobieLayer {

    private final RefModel.Layer layer;
    private final SequentialCalibration.Layer in;
    private final ExpertGradients grads;
    private final Mobie.Options o;
    private final long minTokens;
    private final SpectralCompute sc;

    double loss;
    long paperBits;
    long bitmapBits;
    long paramBits;
    long backboneBits;
    int ngesRank;
    final List<Integer> noHessian = new ArrayList<>();
    /** Per expert {gate, up, down} as stored, for {@link BinaryExpert}. */
    BinaryExpert.Projection[][] packed;

    MobieLayer(RefModel.Layer layer, SequentialCalibration.Layer in, ExpertGradients grads, Mobie.Options o, long minTokens,
               SpectralCompute sc) {
        this.layer = layer;
        this.in = in;
        this.grads = grads;
        this.o = o;
        this.minTokens = minTokens;
        this.sc = sc;
    }

    List<BinaryExpert> binary() {
        List<BinaryExpert> out = new ArrayList<>();
        for (BinaryExpert.Projection[] p : packed) out.add(new BinaryExpert(p[0], p[1], p[2]));
        return out;
    }

    List<DequantizedExperts.Expert> quantize() {
        int e = layer.experts().length;
        int inter = layer.experts()[0].inter();
        int h = layer.experts()[0].gate().length / inter;
        long[] counts = in.counts();
        double[][] hx = new double[e][];
        for (int i = 0; i < e; i++) {
            if (counts[i] < minTokens) noHessian.add(i);
            else hx[i] = in.hessian(i);
        }
        Nges.Projector p = null;
        if (o.nges()) {
            p = Nges.projector(in.covariance(), h, o.ngesEnergy(), sc);
            ngesRank = p.q();
        }
        packed = new BinaryExpert.Projection[e][3];
        float[][] gates = project(0, inter, h, hx, p);
        float[][] ups = project(1, inter, h, hx, p);
        double[][] hz = new double[e][];
        Mobie.forExperts(e, (from, to) -> {
            for (int i = from; i < to; i++) if (hx[i] != null) hz[i] = in.downHessian(i, gates[i], ups[i], inter);
        });
        float[][] downs = project(2, h, inter, hz, null);
        List<DequantizedExperts.Expert> out = new ArrayList<>();
        for (int i = 0; i < e; i++) out.add(new DequantizedExperts.Expert(gates[i], ups[i], downs[i]));
        return out;
    }

    /** Binarizes projection {@code proj} (0 gate, 1 up, 2 down) of every expert, (rows, cols) each. */
    private float[][] project(int proj, int rows, int cols, double[][] hessians, Nges.Projector nges) {
        int e = layer.experts().length;
        List<float[]> w = new ArrayList<>();
        for (RefModel.Ffn f : layer.experts()) w.add(Gemm.toFloat(proj == 0 ? f.gate() : proj == 1 ? f.up() : f.down()));
        Cejd.Decomposition dec = null;
        Cejd.Backbone stored = null;
        double[] backbone = null;
        if (o.cejd()) {
            dec = Cejd.decompose(w, rows, cols, o.side(), sc);
            stored = Cejd.Backbone.quantize(dec.backbone(), dec.order(), o.backboneBits());
            backbone = stored.dequantize();
            backboneBits += Cejd.backboneBits(dec.order(), o.backboneBits());
        }
        Binarizer.Result[] res = new Binarizer.Result[e];
        float[][] out = new float[e][];
        Cejd.Decomposition d = dec;
        double[] b = backbone;
        Mobie.forExperts(e, (from, to) -> {
            for (int i = from; i < to; i++) {
                double[] hess = hessians[i];
                if (nges != null) hess = Nges.penalize(hess, nges, o.beta());
                double[] g = grads == null ? null : grads.get(in.index, i, proj);
                if (d == null) {
                    res[i] = Binarizer.binarize(w.get(i), rows, cols, hess, null, g, o.lambda(), o.binarizer());
                    out[i] = res[i].weights();
                } else {
                    res[i] = Binarizer.binarize(d.factors().get(i), rows, cols, d.factorHessian(hess), d.rowWeights(),
                            d.factorGradient(g), o.lambda(), o.binarizer());
                    out[i] = d.reconstruct(b, res[i].weights());
                }
            }
        });
        for (int i = 0; i < e; i++) packed[i][proj] = new BinaryExpert.Projection(res[i].packed(), d == null ? null : d.side(), stored);
        for (Binarizer.Result r : res) {
            loss += r.loss();
            paperBits += r.packed().paperBits();
            bitmapBits += r.packed().bitmapBits();
            paramBits += r.packed().paramBits();
        }
        return out;
    }
}
