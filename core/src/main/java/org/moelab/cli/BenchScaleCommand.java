package org.moelab.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.moelab.checkpoint.ArtifactDirectory;
import org.moelab.synth.SynthShape;
import org.moelab.synth.SyntheticCheckpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Scale test: synthesizes a checkpoint larger than a heap, quantizes it with BitsMoE in a child JVM whose
 * -Xmx is below the checkpoint's size, and reports the child's peak RSS (VmHWM) and peak used heap next to
 * the file size and one layer's size. The weights are memory-mapped, so RSS counts mapped pages touched
 * (page cache, reclaimable) as well as the heap; the two are also reported apart (peak RssAnon, peak RssFile).
 */
@Command(name = "scale", mixinStandardHelpOptions = true,
        header = "Quantize a synthetic checkpoint larger than the JVM heap and report peak RSS.",
        description = {"Quantize a synthetic checkpoint larger than the JVM heap (child JVM with --xmx below the file size);",
                "report peak RSS (VmHWM) and peak heap against the file and one layer."})
final class BenchScaleCommand implements Runnable {

    @Option(names = "--like", description = "Shape (default ${DEFAULT-VALUE}).")
    String like = "olmoe-1b-7b";

    @Option(names = "--layers", description = "Layers (default ${DEFAULT-VALUE}).")
    int layers = 4;

    @Option(names = "--xmx", paramLabel = "SIZE", description = "Heap of the quantizing JVM, e.g. 3g; must be below the file size (default ${DEFAULT-VALUE}).")
    String xmx = "3g";

    @Option(names = "--dir", paramLabel = "DIR", description = "Work directory (default ${DEFAULT-VALUE}); deleted afterwards unless --keep.")
    Path dir = Path.of("/tmp/moelab-synth/scale");

    @Option(names = "--keep", description = "Keep the synthetic checkpoint and the artifact.")
    boolean keep;

    @Option(names = "--quantize-args", split = " ", paramLabel = "ARGS",
            description = "Extra quantize options (default: '${DEFAULT-VALUE}': small calibration, r = 256 so the factors fit).")
    List<String> quantizeArgs = new ArrayList<>(List.of("--bits", "2.5", "--rank", "256", "--calibration-sequences", "8",
            "--calibration-length", "64", "--public-scales"));

    @Option(names = "--json", description = "Print one JSON line with every number.")
    boolean json;

    @Override
    public void run() {
        SynthShape shape = SynthShape.named(like);
        long heap = parseSize(xmx);
        long fileBytes = shape.checkpointBytes(layers);
        if (heap >= fileBytes) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "--xmx %s is not below the checkpoint (%.2f GB): add --layers", xmx, fileBytes / 1e9));
        }
        Path model = dir.resolve(shape.name() + "-" + layers + "l");
        Path out = dir.resolve(shape.name() + "-" + layers + "l-bitsmoe");
        try {
            Log.info("synthesizing %s x %d layers (%.2f GB)...", shape.name(), layers, fileBytes / 1e9);
            SyntheticCheckpoint.write(model, new SyntheticCheckpoint.Options(shape, layers, 0, 2048L << 20,
                    SyntheticCheckpoint.defaultTokenizer(ModelOption.home(), shape)), Log.progressBar());
            List<String> cmd = new ArrayList<>();
            cmd.add(ProcessHandle.current().info().command().orElse("java"));
            for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                if (!a.startsWith("-Xmx") && !a.startsWith("-agentlib") && !a.startsWith("-javaagent")) cmd.add(a);
            }
            cmd.add("-Xmx" + xmx);
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ScaleChild.class.getName(),
                    "quantize", "--model", model.toString(), "--out", out.toString()));
            cmd.addAll(quantizeArgs);
            Log.info("quantizing in a child JVM with -Xmx%s: %s", xmx, String.join(" ", cmd.subList(cmd.indexOf(ScaleChild.class.getName()), cmd.size())));
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String stdout = new String(p.getInputStream().readAllBytes());
            int rc = p.waitFor();
            double seconds = (System.nanoTime() - t0) / 1e9;
            String last = stdout.strip().isEmpty() ? "{}" : stdout.strip().substring(stdout.strip().lastIndexOf('\n') + 1);
            JsonNode child = new ObjectMapper().readTree(last);
            if (rc != 0) throw new IllegalStateException("the quantizing JVM failed (exit " + rc + "); " + child);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("like", shape.name());
            r.put("layers", layers);
            r.put("checkpoint_bytes", fileBytes);
            r.put("layer_bytes", shape.layerBytes());
            r.put("xmx", xmx);
            r.put("peak_rss_bytes", child.path("vm_hwm_bytes").asLong());
            r.put("peak_heap_bytes", child.path("peak_heap_bytes").asLong());
            r.put("peak_rss_anon_bytes", child.path("peak_rss_anon_bytes").asLong());
            r.put("peak_rss_file_bytes", child.path("peak_rss_file_bytes").asLong());
            r.put("seconds", seconds);
            r.put("quantize_args", String.join(" ", quantizeArgs));
            if (json) {
                Json.print(r);
            } else {
                System.out.printf(Locale.ROOT, "%s x %d layers: checkpoint %.2f GB (one layer %.2f GB), quantized with -Xmx%s in %.0f s%n",
                        shape.name(), layers, fileBytes / 1e9, shape.layerBytes() / 1e9, xmx, seconds);
                System.out.printf(Locale.ROOT, "peak RSS (VmHWM) %.2f GB = %.2f layers; peak used heap %.2f GB = %.2f layers%n",
                        child.path("vm_hwm_bytes").asLong() / 1e9, child.path("vm_hwm_bytes").asDouble() / shape.layerBytes(),
                        child.path("peak_heap_bytes").asLong() / 1e9, child.path("peak_heap_bytes").asDouble() / shape.layerBytes());
                System.out.printf(Locale.ROOT, "peak private RSS (RssAnon) %.2f GB = %.2f layers; peak mapped-file RSS (RssFile) %.2f GB = %.2f layers%n",
                        child.path("peak_rss_anon_bytes").asLong() / 1e9, child.path("peak_rss_anon_bytes").asDouble() / shape.layerBytes(),
                        child.path("peak_rss_file_bytes").asLong() / 1e9, child.path("peak_rss_file_bytes").asDouble() / shape.layerBytes());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } finally {
            if (!keep) {
                try {
                    ArtifactDirectory.deleteTree(out);
                    ArtifactDirectory.deleteTree(model);
                } catch (IOException ignored) {
                    // best effort; the numbers are already out
                }
            }
        }
    }

    static long parseSize(String s) {
        String t = s.strip().toLowerCase(Locale.ROOT);
        long unit = switch (t.isEmpty() ? ' ' : t.charAt(t.length() - 1)) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            default -> 1;
        };
        try {
            return Long.parseLong(unit == 1 ? t : t.substring(0, t.length() - 1)) * unit;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--xmx " + s + ": expected a size such as 3g or 2048m");
        }
    }
}
