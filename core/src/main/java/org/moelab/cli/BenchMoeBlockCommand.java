package org.moelab.cli;

import org.moelab.bench.MoeBlockBenchmark;
import org.moelab.bench.RandomFactorized;
import org.moelab.bench.StreamBandwidth;
import org.moelab.bitsmoe.execution.BasisStorage;
import org.moelab.model.MoeModel;
import org.moelab.model.MoeWeights;
import org.moelab.runtime.MoeBlock;
import org.moelab.runtime.MoeLayer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The MoE blocks of any checkpoint (a shape-true synthetic one: {@code ./moelab synth}) against BitsMoE blocks of the
 * same shapes at r = H with random components at the teaching model's 2.5-bit width mix, bf16 and int8 bases: decode
 * time per token, bytes per token, each against this machine's copy-bandwidth roofline, in one run. No quantization
 * needed: speed depends on shapes and widths only.
 */
@Command(name = "moe-block", mixinStandardHelpOptions = true,
        header = "MoE blocks alone, FP vs BitsMoE 2.5-bit, against their byte roofline.",
        description = {"MoE blocks alone, FP vs BitsMoE 2.5-bit (random components of the real shapes at the teaching model's",
                "2.5-bit width mix; r = H; bf16 and int8 bases): us/token and bytes/token against the copy-bandwidth roofline."})
final class BenchMoeBlockCommand implements Runnable {

    @Mixin
    ModelOption model;

    @Option(names = "--tokens", description = "Hidden states per timed pass (default ${DEFAULT-VALUE}).")
    int tokens = 32;

    @Option(names = "--runs", description = "Timed passes; the best is reported (default ${DEFAULT-VALUE}).")
    int runs = 5;

    @Option(names = "--stream-mib", description = "Size of each STREAM copy array in MiB (default ${DEFAULT-VALUE}).")
    int streamMib = 512;

    @Option(names = "--json", description = "Print one JSON line with every number.")
    boolean json;

    @Override
    public void run() {
        if (tokens < 1 || runs < 1 || streamMib < 1) throw new IllegalArgumentException("--tokens, --runs and --stream-mib must be >= 1");
        StreamBandwidth.Result bw = StreamBandwidth.measure((long) streamMib << 20, 5);
        try (MoeModel m = model.load()) {
            int hidden = m.config().hidden();
            List<MoeWeights> sources = m.layers().stream().map(l -> l.isMoe() ? l.moe() : null).toList();
            List<MoeLayer> fp = new ArrayList<>();
            for (MoeWeights w : sources) fp.add(w == null ? null : MoeBlock.dense(w));
            float[][] xs = MoeBlockBenchmark.inputs(tokens, hidden, 11);
            List<Map<String, Object>> rows = new ArrayList<>();
            long evict = MoeBlockBenchmark.evictionBytes(m, tokens);
            MoeBlockBenchmark.Result base = MoeBlockBenchmark.run(fp, sources, xs, runs, evict);
            rows.add(row("FP " + m.config().torchDtype(), base, base, bw));
            for (BasisStorage b : List.of(BasisStorage.BF16, BasisStorage.INT8)) {
                Log.info("building random BitsMoE layers (r = H = %d, %s bases)...", hidden, b);
                List<MoeLayer> blocks = new ArrayList<>();
                for (int l = 0; l < sources.size(); l++) {
                    MoeWeights w = sources.get(l);
                    blocks.add(w == null ? null : RandomFactorized.layer(l, w, hidden, b, RandomFactorized.SHARES_2_5, 7L + l).block(w));
                }
                MoeBlockBenchmark.Result r = MoeBlockBenchmark.run(blocks, sources, xs, runs, evict);
                rows.add(row(String.format(Locale.ROOT, "BitsMoE %.2fb, %s basis", RandomFactorized.averageBits(RandomFactorized.SHARES_2_5), b),
                        r, base, bw));
                blocks.clear();
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("model", model.resolve().toString());
            out.put("copy_bandwidth_gb_per_s", bw.gbPerSecond());
            out.put("threads", org.moelab.compute.Parallel.threads());
            out.put("tokens", tokens);
            out.put("evict_bytes_per_block", evict);
            out.put("variants", rows);
            if (json) {
                Json.print(out);
                return;
            }
            System.out.printf(Locale.ROOT, "%s: MoE blocks of %d layers, copy bandwidth %.2f GB/s (%d threads), best of %d passes of %d tokens,"
                    + " each block after reading %.1f MB (the rest of a decode step per MoE layer)%n",
                    model.resolve().getFileName(), sources.stream().filter(java.util.Objects::nonNull).count(), bw.gbPerSecond(), bw.threads(),
                    runs, tokens, evict / 1e6);
            System.out.printf(Locale.ROOT, "%-28s %10s %9s %9s %7s %7s%n", "variant", "us/token", "MB/token", "roof us", "%roof", "vs FP");
            for (Map<String, Object> r : rows) {
                System.out.printf(Locale.ROOT, "%-28s %10.0f %9.2f %9.0f %6.1f%% %6.2fx%n", r.get("variant"), r.get("us_per_token"),
                        (double) r.get("bytes_per_token") / 1e6, r.get("roofline_us_per_token"), 100 * (double) r.get("vs_roofline"),
                        r.get("speedup_vs_fp"));
            }
            System.out.println("BitsMoE rows: random components of the real shapes at the teaching model's 2.5-bit width mix (speed only).");
            System.out.println("targets: quantized >= 2x FP (issue 3), >= 3x FP and >= 60 % of roofline (issue 5).");
        }
    }

    private static Map<String, Object> row(String name, MoeBlockBenchmark.Result r, MoeBlockBenchmark.Result fp, StreamBandwidth.Result bw) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("variant", name);
        m.put("us_per_token", r.secondsPerToken() * 1e6);
        m.put("bytes_per_token", r.bytesPerToken());
        m.put("roofline_us_per_token", r.rooflineSecondsPerToken(bw) * 1e6);
        m.put("vs_roofline", r.ratio(bw));
        m.put("speedup_vs_fp", fp.secondsPerToken() / r.secondsPerToken());
        return m;
    }
}
