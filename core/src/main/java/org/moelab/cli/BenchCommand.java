package org.moelab.cli;

import org.moelab.bench.DecodeBenchmark;
import org.moelab.bench.MoeBlockBenchmark;
import org.moelab.bitsmoe.BitsMoe;
import org.moelab.bitsmoe.QuantizedLayer;
import org.moelab.bitsmoe.execution.BasisStorage;
import org.moelab.runtime.MoeBlock;
import org.moelab.runtime.MoeLayer;
import org.moelab.bench.StreamBandwidth;
import org.moelab.bitsmoe.artifact.BitsMoeArtifact;
import org.moelab.model.ModelLoader;
import org.moelab.model.MoeModel;
import org.moelab.runtime.Transformer;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks that print ratios measured in one run.",
        subcommands = {BenchCommand.Decode.class, BenchScaleCommand.class, BenchQuantizeCommand.class, BenchKernelsCommand.class,
                BenchMoeBlockCommand.class})
final class BenchCommand implements Runnable {

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.err);
    }

    @Command(name = "decode", mixinStandardHelpOptions = true,
            header = "Decode and prefill tokens/s against the memory roofline; with an artifact, quantized vs FP.",
            description = {"A checkpoint: decode and prefill tokens/s, this machine's copy bandwidth, the roofline tokens/s",
                    "(bandwidth / bytes touched per token) and the ratio; target >= 50 %%.",
                    "A BitsMoE artifact: the same for the artifact (and --basis-variants) and its FP source in alternating",
                    "runs, the MoE blocks alone, and the bounds on the speed-up: Amdahl (FP's MoE share of a token) and",
                    "bytes (FP's bytes per token over each variant's)."})
    static final class Decode implements Runnable {

        @Mixin
        ModelOption model;

        @Option(names = "--prompt-tokens", description = "Prefill length (default ${DEFAULT-VALUE}).")
        int promptTokens = 128;

        @Option(names = "--decode-tokens", description = "Tokens decoded per run (default ${DEFAULT-VALUE}).")
        int decodeTokens = 256;

        @Option(names = "--runs", description = "Timed runs; the best is reported (default ${DEFAULT-VALUE}).")
        int runs = 5;

        @Option(names = "--stream-mib", description = "Size of each STREAM copy array in MiB; must exceed the LLC (default ${DEFAULT-VALUE}).")
        int streamMib = 1024;

        @Option(names = "--json", description = "Print one JSON line with every number.")
        boolean json;

        @Option(names = "--reference", paramLabel = "DIR", description = "FP model to compare a quantized artifact with (default: its source).")
        Path reference;

        @Override
        public void run() {
            if (promptTokens < 1 || decodeTokens < 2 || runs < 1 || streamMib < 1) {
                throw new IllegalArgumentException("--prompt-tokens >= 1, --decode-tokens >= 2, --runs >= 1 and --stream-mib >= 1 are required");
            }
            Log.info("measuring copy bandwidth (2 x %d MiB)...", streamMib);
            StreamBandwidth.Result bw = StreamBandwidth.measure((long) streamMib << 20, 5);
            if (BitsMoeArtifact.isArtifact(model.resolve())) {
                quantizedVsFp(bw);
                return;
            }
            if (org.moelab.mobie.artifact.MobieArtifact.isArtifact(model.resolve())) {
                throw new IllegalArgumentException(model.resolve() + " is a MoBiE artifact: bench decode measures checkpoints and BitsMoE "
                        + "artifacts; use ./moelab ppl or generate --model on it (both print tokens/s)");
            }
            try (MoeModel m = model.load()) {
                Log.info("decoding %d runs of %d tokens after a %d-token prompt...", runs, decodeTokens, promptTokens);
                DecodeBenchmark.Result r = DecodeBenchmark.run(m, promptTokens, decodeTokens, runs, bw);
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("model", m.source().getFileName().toString());
                out.put("threads", org.moelab.compute.Parallel.threads());
                out.put("decode_tokens_per_s", r.decodeTokensPerSecond());
                out.put("prefill_tokens_per_s", r.prefillTokensPerSecond());
                out.put("copy_bandwidth_gb_per_s", bw.gbPerSecond());
                out.put("bytes_per_token", r.bytesPerToken());
                out.put("roofline_tokens_per_s", r.rooflineTokensPerSecond());
                out.put("decode_vs_roofline", r.ratio());
                if (json) {
                    Json.print(out);
                    return;
                }
                System.out.printf("decode            %10.1f tokens/s  (best of %d runs, %d tokens after a %d-token prompt)%n",
                        r.decodeTokensPerSecond(), runs, decodeTokens, promptTokens);
                System.out.printf("prefill           %10.1f tokens/s  (%d tokens in one batch)%n", r.prefillTokensPerSecond(), promptTokens);
                System.out.printf("copy bandwidth    %10.2f GB/s      (STREAM-like copy, 2 x %d MiB, %d threads)%n",
                        bw.gbPerSecond(), streamMib, bw.threads());
                System.out.printf("bytes per token   %10.0f           (weights touched + KV cache at mean context)%n", r.bytesPerToken());
                System.out.printf("roofline          %10.1f tokens/s%n", r.rooflineTokensPerSecond());
                System.out.printf("decode / roofline %10.1f %%         (target >= 50 %%)%n", 100 * r.ratio());
            }
        }
    

        @Option(names = "--basis-variants", split = ",", paramLabel = "LIST",
                description = {"Artifact only: also run the artifact with its shared bases re-stored as these (bf16, f32, int8;",
                        "built from the stored bases in memory), end to end and MoE block alone (default: int8)."})
        List<String> basisVariants = new ArrayList<>(List.of("int8"));

        @Option(names = "--moe-tokens", description = "Artifact only: hidden states per MoE-block timing pass (default ${DEFAULT-VALUE}).")
        int moeTokens = 64;

        /** One way of running the model: FP, or the artifact with its bases in some storage. */
        private record Variant(String name, Transformer transformer, List<MoeLayer> blocks, MoeModel bytesModel) {
        }

        /**
         * A quantized artifact against its FP source, in the same run: end-to-end decode (alternating runs so
         * drift hits all alike) and the MoE blocks alone, each against its own byte roofline.
         */
        private void quantizedVsFp(StreamBandwidth.Result bw) {
            Path dir = model.resolve();
            try (BitsMoeArtifact.Loaded q = BitsMoeArtifact.load(dir)) {
                Path src = reference != null ? reference : Path.of(q.manifest().sourceModel());
                try (MoeModel fp = ModelLoader.load(src)) {
                    List<Variant> variants = new ArrayList<>();
                    List<MoeLayer> fpBlocks = new ArrayList<>();
                    for (var l : fp.layers()) fpBlocks.add(l.isMoe() ? MoeBlock.dense(l.moe()) : null);
                    variants.add(new Variant("FP " + fp.config().torchDtype(), new Transformer(fp, fpBlocks), fpBlocks, fp));
                    List<QuantizedLayer> layers = BitsMoeArtifact.quantizedLayers(q);
                    BasisStorage stored = layers.getFirst().basis();
                    variants.add(new Variant(String.format(Locale.ROOT, "BitsMoE %.2fb, %s basis", q.manifest().bitsPayload(), stored),
                            q.transformer(), q.blocks(), q.model()));
                    for (String v : basisVariants) {
                        BasisStorage b = BasisStorage.parse(v);
                        if (b == stored) continue;
                        List<QuantizedLayer> re = layers.stream().map(l -> l.withBasis(b)).toList();
                        List<MoeLayer> blocks = BitsMoe.blocks(q.model(), re);
                        variants.add(new Variant(String.format(Locale.ROOT, "BitsMoE %.2fb, %s basis*", q.manifest().bitsPayload(), b),
                                new Transformer(q.model(), blocks), blocks, q.model()));
                    }
                    Log.info("decoding %s (%s) and its FP source %s, %d runs each of %d tokens after %d prompt tokens...", dir,
                            String.join(" | ", variants.stream().map(Variant::name).toList()), src, runs, decodeTokens, promptTokens);
                    double[] dec = new double[variants.size()];
                    double[] pre = new double[variants.size()];
                    for (int r = 0; r < runs; r++) {
                        for (int i = 0; i < variants.size(); i++) {
                            DecodeBenchmark.Speed sp = DecodeBenchmark.speed(variants.get(i).transformer(), promptTokens, decodeTokens, 1);
                            dec[i] = Math.max(dec[i], sp.decode());
                            pre[i] = Math.max(pre[i], sp.prefill());
                        }
                    }
                    Log.info("timing the MoE blocks alone, %d hidden states x 5 passes per variant...", moeTokens);
                    float[][] xs = MoeBlockBenchmark.inputs(moeTokens, fp.config().hidden(), 11);
                    List<org.moelab.model.MoeWeights> sources = fp.layers().stream().map(l -> l.isMoe() ? l.moe() : null).toList();
                    List<MoeLayer> onlyQuantized = new ArrayList<>();
                    for (int l = 0; l < fpBlocks.size(); l++) onlyQuantized.add(q.manifest().layers().contains(l) ? fpBlocks.get(l) : null);
                    double ctx = promptTokens + decodeTokens / 2.0;
                    long evict = MoeBlockBenchmark.evictionBytes(fp, ctx);
                    MoeBlockBenchmark.Result[] moe = new MoeBlockBenchmark.Result[variants.size()];
                    for (int i = 0; i < variants.size(); i++) {
                        List<MoeLayer> bl = i == 0 ? onlyQuantized : variants.get(i).blocks().stream()
                                .map(b -> b instanceof org.moelab.bitsmoe.execution.FactorizedMoeLayer ? b : null).toList();
                        moe[i] = MoeBlockBenchmark.run(bl, sources, xs, 5, evict);
                    }
                    List<Map<String, Object>> rows = new ArrayList<>();
                    double fpBytes = 0;
                    for (int i = 0; i < variants.size(); i++) {
                        Variant v = variants.get(i);
                        double bytes = DecodeBenchmark.bytesPerToken(v.bytesModel(), i == 0 ? null : v.blocks(), ctx);
                        if (i == 0) fpBytes = bytes;
                        Map<String, Object> row = new LinkedHashMap<>();
                        row.put("variant", v.name());
                        row.put("decode_tokens_per_s", dec[i]);
                        row.put("prefill_tokens_per_s", pre[i]);
                        row.put("bytes_per_token", bytes);
                        row.put("roofline_tokens_per_s", bw.bytesPerSecond() / bytes);
                        row.put("decode_vs_roofline", dec[i] / (bw.bytesPerSecond() / bytes));
                        row.put("decode_speedup_vs_fp", dec[i] / dec[0]);
                        // a bandwidth-bound decode at equal efficiency: FP's bytes per token over this variant's
                        row.put("bytes_speedup_bound", fpBytes / bytes);
                        row.put("moe_us_per_token", moe[i].secondsPerToken() * 1e6);
                        row.put("moe_bytes_per_token", moe[i].bytesPerToken());
                        row.put("moe_roofline_us_per_token", moe[i].rooflineSecondsPerToken(bw) * 1e6);
                        row.put("moe_vs_roofline", moe[i].ratio(bw));
                        row.put("moe_speedup_vs_fp", moe[0].secondsPerToken() / moe[i].secondsPerToken());
                        rows.add(row);
                    }
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put("model", dir.toString());
                    out.put("source", src.toString());
                    out.put("bits_payload", q.manifest().bitsPayload());
                    out.put("bits_with_basis", q.manifest().bitsWithBasis());
                    out.put("calibration", q.manifest().calibrationName());
                    out.put("moe_layers", q.manifest().layers());
                    out.put("threads", org.moelab.compute.Parallel.threads());
                    out.put("copy_bandwidth_gb_per_s", bw.gbPerSecond());
                    out.put("prompt_tokens", promptTokens);
                    out.put("decode_tokens", decodeTokens);
                    out.put("runs", runs);
                    out.put("moe_evict_bytes_per_block", evict);
                    out.put("variants", rows);
                    // Amdahl: the share of an FP decoded token its quantized layers' MoE blocks take bounds what
                    // quantizing those blocks alone can gain end to end (attention, norms, lm_head are unchanged)
                    double share = Math.min(1, moe[0].secondsPerToken() * dec[0]);
                    out.put("fp_moe_share_of_token", share);
                    out.put("moe_only_speedup_bound", share >= 1 ? Double.POSITIVE_INFINITY : 1 / (1 - share));
                    // what no expert quantization changes: attention and KV cache, embedding row, lm_head, layers left unquantized
                    out.put("unchanged_bytes_per_token", fpBytes - moe[0].bytesPerToken());
                    if (json) {
                        Json.print(out);
                        return;
                    }
                    print(out, rows, bw);
                }
            }
        }

        private void print(Map<String, Object> out, List<Map<String, Object>> rows, StreamBandwidth.Result bw) {
            System.out.printf(Locale.ROOT, "copy bandwidth %.2f GB/s (%d threads); decode: best of %d runs of %d tokens after %d prompt tokens;"
                    + " MoE block: %d unit-RMS hidden states, best of 5 passes, layers %s, each block after reading %.1f MB"
                    + " (the rest of a decode step per MoE layer)%n", bw.gbPerSecond(), bw.threads(), runs, decodeTokens,
                    promptTokens, moeTokens, out.get("moe_layers"), ((Number) out.get("moe_evict_bytes_per_block")).longValue() / 1e6);
            System.out.printf(Locale.ROOT, "calibration of the artifact: %s%n", out.get("calibration"));
            System.out.printf(Locale.ROOT, "%-30s | %9s %9s %9s %6s %7s | %9s %9s %9s %6s %7s%n", "end to end | MoE blocks alone",
                    "tok/s", "MB/tok", "roof t/s", "%roof", "vs FP", "us/tok", "MB/tok", "roof us", "%roof", "vs FP");
            for (Map<String, Object> r : rows) {
                System.out.printf(Locale.ROOT, "%-30s | %9.2f %9.1f %9.2f %5.1f%% %6.2fx | %9.0f %9.2f %9.0f %5.1f%% %6.2fx%n", r.get("variant"),
                        r.get("decode_tokens_per_s"), (double) r.get("bytes_per_token") / 1e6, r.get("roofline_tokens_per_s"),
                        100 * (double) r.get("decode_vs_roofline"), r.get("decode_speedup_vs_fp"), r.get("moe_us_per_token"),
                        (double) r.get("moe_bytes_per_token") / 1e6, r.get("moe_roofline_us_per_token"), 100 * (double) r.get("moe_vs_roofline"),
                        r.get("moe_speedup_vs_fp"));
            }
            System.out.println("* bases re-stored in memory from the artifact's stored bases (not a separate quantization run).");
            Map<String, Object> fp = rows.getFirst();
            System.out.printf(Locale.ROOT, "Amdahl: FP's quantized MoE blocks are %.0f us of its %.0f us per decoded token (%.1f %%), so quantizing them"
                    + " alone can speed decode up by at most %.2fx end to end.%n", fp.get("moe_us_per_token"), 1e6 / (double) fp.get("decode_tokens_per_s"),
                    100 * (double) out.get("fp_moe_share_of_token"), out.get("moe_only_speedup_bound"));
            System.out.printf(Locale.ROOT, "Bytes: an FP token reads %.1f MB, %.1f MB of it outside the quantized MoE blocks (attention and its KV cache,"
                    + " lm_head, embedding row, norms: kept in source precision); by bytes alone decode can be at most %s faster than FP.%n",
                    (double) fp.get("bytes_per_token") / 1e6, (double) out.get("unchanged_bytes_per_token") / 1e6,
                    String.join(" / ", rows.subList(1, rows.size()).stream().map(r -> String.format(Locale.ROOT, "%.2fx (%s)",
                            (double) r.get("bytes_speedup_bound"), r.get("variant"))).toList()));
            System.out.println("targets: decode >= 2x FP (issue 3); quantized >= 3x FP and >= 60 % of roofline (issue 5).");
        }
    }
}
