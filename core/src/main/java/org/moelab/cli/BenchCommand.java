package org.moelab.cli;

import org.moelab.bench.DecodeBenchmark;
import org.moelab.bench.StreamBandwidth;
import org.moelab.bitsmoe.artifact.BitsMoeArtifact;
import org.moelab.model.ModelLoader;
import org.moelab.model.MoeModel;
import org.moelab.runtime.Transformer;

import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;

@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks that print ratios measured in one run.",
        subcommands = {BenchCommand.Decode.class, BenchQuantizeCommand.class})
final class BenchCommand implements Runnable {

    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.err);
    }

    @Command(name = "decode", mixinStandardHelpOptions = true,
            description = {"FP decode and prefill tokens/s, this machine's copy bandwidth, the roofline",
                    "tokens/s (bandwidth / bytes touched per token) and the ratio; target >= 50 %."})
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
    

        /** A quantized artifact against its FP source, measured in the same run, alternating runs. */
        private void quantizedVsFp(StreamBandwidth.Result bw) {
            Path dir = model.resolve();
            try (BitsMoeArtifact.Loaded q = BitsMoeArtifact.load(dir)) {
                Path src = reference != null ? reference : Path.of(q.manifest().sourceModel());
                try (MoeModel fp = ModelLoader.load(src)) {
                    Log.info("decoding %s and its FP source %s, %d runs each of %d tokens after %d prompt tokens...", dir, src,
                            runs, decodeTokens, promptTokens);
                    Transformer tq = q.transformer();
                    Transformer tf = new Transformer(fp);
                    double qd = 0, fd = 0, qp = 0, fpp = 0;
                    for (int r = 0; r < runs; r++) { // alternate so drift hits both alike
                        DecodeBenchmark.Speed a = DecodeBenchmark.speed(tf, promptTokens, decodeTokens, 1);
                        DecodeBenchmark.Speed b = DecodeBenchmark.speed(tq, promptTokens, decodeTokens, 1);
                        fd = Math.max(fd, a.decode());
                        fpp = Math.max(fpp, a.prefill());
                        qd = Math.max(qd, b.decode());
                        qp = Math.max(qp, b.prefill());
                    }
                    double ctx = promptTokens + decodeTokens / 2.0;
                    double qBytes = DecodeBenchmark.bytesPerToken(q.model(), q.blocks(), ctx);
                    double fBytes = DecodeBenchmark.bytesPerToken(fp, null, ctx);
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put("model", dir.toString());
                    out.put("source", src.toString());
                    out.put("bits_payload", q.manifest().bitsPayload());
                    out.put("threads", org.moelab.compute.Parallel.threads());
                    out.put("decode_tokens_per_s", qd);
                    out.put("fp_decode_tokens_per_s", fd);
                    out.put("decode_speedup", qd / fd);
                    out.put("prefill_tokens_per_s", qp);
                    out.put("fp_prefill_tokens_per_s", fpp);
                    out.put("bytes_per_token", qBytes);
                    out.put("fp_bytes_per_token", fBytes);
                    out.put("byte_ratio", fBytes / qBytes);
                    out.put("copy_bandwidth_gb_per_s", bw.gbPerSecond());
                    out.put("decode_vs_roofline", qd / (bw.bytesPerSecond() / qBytes));
                    if (json) {
                        Json.print(out);
                        return;
                    }
                    System.out.printf("decode  quantized %10.1f tokens/s | FP %10.1f tokens/s | speed-up %.2fx (target >= 2x)%n", qd, fd, qd / fd);
                    System.out.printf("prefill quantized %10.1f tokens/s | FP %10.1f tokens/s%n", qp, fpp);
                    System.out.printf("bytes per token   quantized %.0f | FP %.0f | FP/quantized %.2fx%n", qBytes, fBytes, fBytes / qBytes);
                    System.out.printf("decode / roofline (quantized) %.1f %%  at %.2f GB/s copy bandwidth%n",
                            100 * qd / (bw.bytesPerSecond() / qBytes), bw.gbPerSecond());
                }
            }
        }
    }
}
