package org.moelab.cli;

import org.moelab.baselines.DequantizedArtifact;
import org.moelab.baselines.DequantizedExperts;
import org.moelab.baselines.GptqQuantizer;
import org.moelab.baselines.MinMaxGroupQuantizer;
import org.moelab.baselines.Rtn;
import org.moelab.baselines.routernorm.RouterNormMixedPrecision;
import org.moelab.mobie.Mobie;
import org.moelab.mobie.artifact.MobieArtifact;
import org.moelab.mobie.artifact.MobieManifest;
import org.moelab.bitsmoe.BitsMoeRunner;
import org.moelab.bitsmoe.RunCheckpoint;
import org.moelab.bitsmoe.artifact.BitsMoeArtifact;
import org.moelab.bitsmoe.calibration.CalibrationSet;
import org.moelab.model.MoeModel;
import org.moelab.tokenizer.MoeTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

@Command(name = "quantize", mixinStandardHelpOptions = true,
        header = "Quantize the routed experts of a model (bitsmoe, mobie, rtn, gptq, routernorm) into an artifact.",
        description = {"Quantize the routed experts of a model and write an artifact directory that ppl, generate,",
                "logits, info and bench decode accept as --model. Methods: bitsmoe (default; methods.md §1), mobie, rtn, gptq, routernorm."})
final class QuantizeCommand implements Runnable {

    @Mixin
    ModelOption model;

    @Mixin
    BitsMoeArgs args;

    @Option(names = "--method", description = {"bitsmoe (default) and mobie: packed artifacts; rtn, gptq, routernorm (saved as",
            "dequantized fp32 weights for evaluation — a simulation format, larger than the source)."})
    String method = "bitsmoe";

    @Option(names = "--out", paramLabel = "DIR", description = "Artifact directory to write (atomically). Required unless --dry-run.")
    Path out;

    @Option(names = "--dry-run", description = "Show the plan with size, peak-memory and time estimates; write nothing.")
    boolean dryRun;

    @Option(names = "--attention", description = "rtn: quantize the attention projections (q, k, v, o) too, at the same width.")
    boolean attention;

    @Option(names = "--no-cejd", description = "mobie: without the joint decomposition (ablation).")
    boolean noCejd;

    @Option(names = "--no-glas", description = "mobie: without gradient-aware saliency (ablation).")
    boolean noGlas;

    @Option(names = "--no-nges", description = "mobie: without the null-space constraint (ablation).")
    boolean noNges;

    @Option(names = "--dequantized", description = {"mobie: write the dequantized fp32 simulation checkpoint instead of the packed",
            "artifact (sign planes, bitmaps, fp16 α/μ and 8-bit CEJD backbones)."})
    boolean dequantized;

    @Option(names = "--resume", description = {"Continue an interrupted run of the same options, model and calibration from",
            "its first unfinished layer (work is kept in .<out>.partial/ beside --out); a different run is refused."})
    boolean resume;

    @Option(names = "--json", description = "Print one JSON line {out, method, bits_payload, bits_with_scales, bits_with_basis, bytes, seconds}.")
    boolean json;

    @Override
    public void run() {
        try {
            quantize();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void quantize() throws com.fasterxml.jackson.core.JsonProcessingException {
        String mth = method.toLowerCase(Locale.ROOT);
        if (!List.of("bitsmoe", "rtn", "gptq", "routernorm", "mobie").contains(mth)) {
            throw new IllegalArgumentException("--method " + method + " is not available for quantize; methods: bitsmoe, rtn, gptq, routernorm, mobie");
        }
        if (out == null && !dryRun) throw new IllegalArgumentException("--out DIR is required (or use --dry-run)");
        if (!mth.equals("bitsmoe")) {
            if (dryRun || resume) throw new IllegalArgumentException("--dry-run and --resume are BitsMoE options; --method " + mth + " has neither");
            if (dequantized && !mth.equals("mobie")) throw new IllegalArgumentException("--dequantized is a mobie option");
            if (mth.equals("mobie") && !dequantized) {
                mobieBits();
                mobie();
            }
            else baseline(mth);
            return;
        }
        var options = args.options();
        try (MoeModel m = model.load(); MoeTokenizer tok = MoeTokenizer.load(model.resolve())) {
            CalibrationSet cal = args.calibration(tok);
            RunCheckpoint work;
            if (dryRun && resume) throw new IllegalArgumentException("--resume and --dry-run do not go together");
            if (!dryRun) {
                Path dir = RunCheckpoint.directoryFor(out);
                if (!resume && Files.isDirectory(dir)) Log.info("discarding the work of an interrupted run in %s (use --resume to continue it)", dir);
                String opts = Json.MAPPER.writeValueAsString(options);
                work = RunCheckpoint.open(out, new RunCheckpoint.Identity(opts, BitsMoeArtifact.sourceSha256(m), cal.sha256()), resume);
                Log.info("work files (for --resume): %s", work.directory());
            } else {
                work = RunCheckpoint.temporary();
                Log.info("dry run: work files in %s (removed at the end)", work.directory());
            }
            if (dryRun) {
                try {
                    BitsMoeRunner.Planned p = BitsMoeRunner.plan(m, options, cal, work, Log.progressBar());
                    if (json) Json.print(PlanReport.json(p));
                    else PlanReport.print(p, System.out);
                } finally {
                    work.finish();
                }
                return;
            }
            BitsMoeRunner.Planned p = BitsMoeRunner.plan(m, options, cal, work, Log.progressBar());
            if (!json) PlanReport.print(p, System.err);
            BitsMoeRunner.Summary s = BitsMoeRunner.quantize(m, p, out, work, Log.progressBar());
            Log.info("planned %.4f payload bits/weight, achieved %.4f (%.4f with scales); %d bytes; %.1f s",
                    s.plannedPayloadBits(), s.achievedPayloadBits(), s.achievedBitsWithScales(), s.manifest().bytes(), s.seconds());
            s.stages().forEach(t -> Log.info("  %-10s %7.2f s  peak heap %7.1f MiB", t.stage(), t.seconds(), t.peakHeapBytes() / 1048576.0));
            s.fallbacks().forEach(f -> Log.info("  fallback: %s", f));
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("out", out.toAbsolutePath().toString());
            r.put("method", "bitsmoe");
            r.put("bits_payload", s.manifest().bitsPayload());
            r.put("bits_with_scales", s.manifest().bitsWithScales());
            r.put("bits_with_basis", s.manifest().bitsWithBasis());
            r.put("bytes", s.manifest().bytes());
            r.put("seconds", s.seconds());
            if (json) Json.print(r);
            else System.out.printf(Locale.ROOT, "wrote %s: %.4f payload bits/weight (%.4f +scales, %.4f +basis), %d bytes, %.1f s%n",
                    out, s.manifest().bitsPayload(), s.manifest().bitsWithScales(), s.manifest().bitsWithBasis(), s.manifest().bytes(), s.seconds());
        }
    }

    /** MoBiE, written as a packed artifact ({@link MobieArtifact}) that ppl, generate, logits and info run. */
    private void mobie() {
        if (attention) throw new IllegalArgumentException("--attention is an rtn option");
        try (MoeModel m = model.load(); MoeTokenizer tok = MoeTokenizer.load(model.resolve())) {
            long t0 = System.nanoTime();
            CalibrationSet cal = args.calibration(tok);
            Mobie.Options o = mobieOptions();
            Mobie.Result r = Mobie.quantize(m, cal, o, Log.progressBar());
            Log.info("%s", r.bits().describe());
            MobieManifest man = MobieArtifact.write(out, m, r, o, cal);
            double seconds = (System.nanoTime() - t0) / 1e9;
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("out", out.toAbsolutePath().toString());
            j.put("method", "mobie " + man.components());
            j.put("bits_payload", man.bitsPaper());
            j.put("bits_with_scales", man.bitsWithBitmaps());
            j.put("bits_with_basis", man.bitsHonest());
            j.put("bytes", man.bytes());
            j.put("seconds", seconds);
            if (json) Json.print(j);
            else System.out.printf(Locale.ROOT, "wrote %s: mobie %s, packed; %.4f bits/weight in the papers' convention (sign planes), "
                            + "%.4f with bitmaps and fp16 α/μ, %.4f honest with CEJD backbones; %d bytes, %.1f s%n", out, man.components(),
                    man.bitsPaper(), man.bitsWithBitmaps(), man.bitsHonest(), man.bytes(), seconds);
        }
    }

    /** MoBiE binarizes every expert: --bits may be left out or be 1. */
    private double mobieBits() {
        if (args.bits != null && args.bits != 1.0) {
            throw new IllegalArgumentException("--bits " + args.bits + ": mobie binarizes every expert (≈1.1 bits in the papers' "
                    + "convention); leave --bits out or give 1");
        }
        return 1.0;
    }

    private Mobie.Options mobieOptions() {
        return Mobie.Options.defaults().with(!noCejd, !noGlas, !noNges);
    }

    /** RTN, GPTQ or router-norm: quantized in memory, saved as a dequantized (simulation) checkpoint. */
    private void baseline(String mth) {
        double bits = mth.equals("mobie") ? mobieBits() : args.bits(mth);
        if ((mth.equals("rtn") || mth.equals("gptq")) && (bits != Math.rint(bits) || bits < 1 || bits > 8)) {
            throw new IllegalArgumentException("--bits " + bits + ": " + mth + " uses one uniform width, an integer in 1..8");
        }
        try (MoeModel m = model.load(); MoeTokenizer tok = MoeTokenizer.load(model.resolve())) {
            long t0 = System.nanoTime();
            CalibrationSet cal = mth.equals("rtn") ? null : args.calibration(tok);
            List<List<DequantizedExperts.Expert>> experts;
            double payload = bits;
            double withScales = Double.NaN;
            switch (mth) {
                case "rtn" -> experts = Rtn.quantize(m, new MinMaxGroupQuantizer((int) bits, 128, false), Log.progressBar());
                case "gptq" -> experts = GptqQuantizer.quantize(m, cal, GptqQuantizer.Options.defaults((int) bits), Log.progressBar()).experts();
                case "mobie" -> {
                    Mobie.Result r = Mobie.quantize(m, cal, mobieOptions(), Log.progressBar());
                    Log.info("%s", r.bits().describe());
                    payload = r.bits().paper();
                    withScales = r.bits().honest();
                    experts = r.experts();
                }
                default -> {
                    RouterNormMixedPrecision.Result r = RouterNormMixedPrecision.run(m, cal, RouterNormMixedPrecision.Options.defaults(bits),
                            Log.progressBar());
                    Log.info("%s", r.summary());
                    payload = r.plan().realisedAverage();
                    experts = r.experts();
                }
            }
            if (attention && !mth.equals("rtn")) throw new IllegalArgumentException("--attention is an rtn option");
            java.util.Map<String, org.moelab.tensor.Tensor> replaced = attention
                    ? Rtn.attentionTensors(Rtn.withQuantizedAttention(m, new MinMaxGroupQuantizer((int) bits, 128, false)))
                    : java.util.Map.of();
            DequantizedArtifact.Manifest man = DequantizedArtifact.write(out, m, experts, replaced, mth, bits, payload,
                    Double.isNaN(withScales) ? payload + 32.0 / 128 : withScales, 128, cal,
                    attention ? "attention q/k/v/o also RTN at " + (int) bits + " bits (bits above count routed experts only)" : null);
            double seconds = (System.nanoTime() - t0) / 1e9;
            long bytes;
            try {
                bytes = Files.size(out.resolve("model.safetensors"));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("out", out.toAbsolutePath().toString());
            r.put("method", mth);
            r.put("bits_payload", man.bitsPayload());
            r.put("bits_with_scales", man.bitsWithScales());
            r.put("bits_with_basis", man.bitsWithScales());
            r.put("bytes", bytes);
            r.put("seconds", seconds);
            r.put("note", man.note());
            if (json) Json.print(r);
            else System.out.printf(Locale.ROOT, "wrote %s: %s %.4f payload bits/weight (%.4f with scales); %s; %.1f s%n", out, mth,
                    man.bitsPayload(), man.bitsWithScales(), man.note(), seconds);
        }
    }
}
