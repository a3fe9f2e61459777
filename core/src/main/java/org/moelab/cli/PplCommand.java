package org.moelab.cli;

import org.moelab.eval.Perplexity;
import org.moelab.bitsmoe.artifact.BitsMoeArtifact;
import org.moelab.tokenizer.MoeTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

@Command(name = "ppl", mixinStandardHelpOptions = true,
        header = "Perplexity of a text file over non-overlapping windows (methods.md §7).",
        description = {"Perplexity of a text file: tokenized once, the first --max-tokens kept, split into",
                "non-overlapping windows, mean NLL of the window-1 predictions per window (methods.md §7).",
                "With no arguments: the teaching model on its held-out val.txt, as in its reference.json",
                "(for a quantized artifact: its source model's val.txt)."})
final class PplCommand implements Runnable {

    @Mixin
    ModelOption model;

    @Option(names = "--text", paramLabel = "FILE", description = "UTF-8 text file. Default: the model directory's val.txt.")
    Path text;

    @Option(names = "--window", description = "Tokens per window (default ${DEFAULT-VALUE}).")
    int window = 256;

    @Option(names = "--max-tokens", description = "Keep only the first N tokens; 0 = all (default ${DEFAULT-VALUE}).")
    int maxTokens = 32768;

    @Option(names = "--json", description = "Print one JSON line {ppl, tokens, window}.")
    boolean json;

    @Override
    public void run() {
        if (maxTokens < 0) throw new IllegalArgumentException("--max-tokens must be >= 0, got " + maxTokens);
        Path file = text != null ? text : defaultText(model.resolve());
        String content;
        try {
            content = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read --text " + file + ": " + e.getMessage(), e);
        }
        try (BitsMoeArtifact.Loaded lm = model.open(); MoeTokenizer tok = MoeTokenizer.load(model.resolve())) {
            int[] ids = tok.encode(content);
            Log.info("%s: %d tokens", file, ids.length);
            long t0 = System.nanoTime();
            Perplexity.Result r = Perplexity.compute(lm.transformer(), ids, window, maxTokens, Log.progressBar());
            double secs = (System.nanoTime() - t0) / 1e9;
            Log.info("%d windows of %d, %d predicted tokens, %.1f s (%.0f tok/s)", r.windows(), window, r.predicted(), secs,
                    r.windows() * window / secs);
            if (json) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("ppl", r.ppl());
                out.put("tokens", r.predicted());
                out.put("window", window);
                Json.print(out);
            } else {
                System.out.printf("perplexity %.4f  (%s, window %d, %d predicted tokens)%n", r.ppl(), file.getFileName(), window, r.predicted());
            }
        }
    }

    /** The model's val.txt; for a quantized artifact without one, its source model's. */
    static Path defaultText(Path dir) {
        Path v = dir.resolve("val.txt");
        Path manifest = dir.resolve(BitsMoeArtifact.MANIFEST);
        if (!Files.exists(v) && Files.isRegularFile(manifest)) {
            try {
                String src = Json.MAPPER.readTree(manifest.toFile()).path("sourceModel").asText("");
                if (!src.isEmpty()) v = Path.of(src).resolve("val.txt");
            } catch (IOException e) {
                throw new IllegalArgumentException("unreadable " + manifest + ": " + e.getMessage(), e);
            }
        }
        return v;
    }
}
