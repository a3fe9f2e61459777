package org.moelab.cli;

import org.moelab.bitsmoe.calibration.CalibrationCorpus;
import org.moelab.bitsmoe.calibration.CalibrationSet;
import org.moelab.compare.Comparison;
import org.moelab.compare.ComparisonReport;
import org.moelab.eval.ZeroShot;
import org.moelab.model.MoeModel;
import org.moelab.tokenizer.MoeTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

@Command(name = "compare", mixinStandardHelpOptions = true,
        header = "Every method at every budget through one harness: a table, JSON and a quality-vs-bits chart.",
        description = {"Every method at every budget through one harness: perplexity, KL and same-top-1 vs FP, expert",
                "shift, optional zero-shot tasks, quantization time and bits in every accounting mode. Writes",
                "compare.md (table + caption), compare.json and a quality-vs-bits chart (compare.svg, compare.png).",
                "Uniform methods (rtn, gptq) run at the nearest integer widths of fractional budgets, never interpolated."})
final class CompareCommand implements Runnable {

    @Mixin
    ModelOption model;

    @Option(names = "--methods", split = ",", description = {"Comma list of fp, rtn, gptq, routernorm, bitsmoe, mobie (default: all but",
            "mobie, the slowest). MoBiE ablations: mobie-base (base binarizer: BiLLM+ARB alone), mobie-no-cejd,",
            "mobie-no-glas, mobie-no-nges (full MoBiE without one component), mobie-cejd, mobie-glas, mobie-nges",
            "(the base binarizer with one component)."})
    List<String> methods = new ArrayList<>(List.of("fp", "rtn", "gptq", "routernorm", "bitsmoe"));

    @Option(names = "--bits", split = ",", description = "Comma list of budgets (default: 2,2.5,3,4).")
    List<Double> bits = new ArrayList<>(List.of(2.0, 2.5, 3.0, 4.0));

    @Option(names = "--text", description = "Perplexity text (default: data/wikitext2/wiki.test.raw).")
    Path text;

    @Option(names = "--window", description = "Perplexity window (default ${DEFAULT-VALUE}).")
    int window = 256;

    @Option(names = "--max-tokens", description = "Perplexity tokens (default ${DEFAULT-VALUE}).")
    int maxTokens = 8192;

    @Option(names = "--compare-tokens", description = "Tokens for KL / same-top / expert shift vs FP (default ${DEFAULT-VALUE}).")
    int compareTokens = 4096;

    @Option(names = "--tasks", description = "Zero-shot tasks: none (default), all, or a comma list (piqa,arc_easy,…).")
    String tasks = "none";

    @Option(names = "--limit", description = "Items per zero-shot task; 0 = all (default ${DEFAULT-VALUE}).")
    int limit = 0;

    @Option(names = "--calibration-sequences", description = "Calibration sequences (default ${DEFAULT-VALUE}).")
    int sequences = 128;

    @Option(names = "--calibration-length", description = "Tokens per calibration sequence (default ${DEFAULT-VALUE}).")
    int length = 512;

    @Option(names = "--out", description = "Directory for compare.md/.json/.svg/.png (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("compare-results");

    @Option(names = "--json", description = "Print the table as one JSON line instead of markdown.")
    boolean json;

    @Override
    public void run() {
        for (String m : methods) {
            if (!Comparison.methods().contains(m)) {
                throw new IllegalArgumentException("--methods: unknown method '" + m + "'; expected one of " + String.join(", ", Comparison.methods()));
            }
        }
        for (double b : bits) {
            if (!(b > 0 && b <= 8)) throw new IllegalArgumentException("--bits: " + b + " is outside (0, 8]");
        }
        if (window < 2 || maxTokens < window || compareTokens < window) {
            throw new IllegalArgumentException("--window >= 2 and --max-tokens, --compare-tokens >= --window are required");
        }
        Path textFile = text != null ? text : ModelOption.home().resolve("data/wikitext2/wiki.test.raw");
        String content;
        try {
            content = Files.readString(textFile);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read --text " + textFile + ": " + e.getMessage(), e);
        }
        List<String> taskList = ZeroShot.parseTasks(tasks);
        try (MoeModel m = model.load(); MoeTokenizer tok = MoeTokenizer.load(model.resolve())) {
            Log.info("calibration: %d sequences x %d tokens from %s (seed 1234)", sequences, length, CalibrationCorpus.DEFAULT_FILES);
            CalibrationSet set = CalibrationCorpus.sample(tok, CalibrationCorpus.defaultFiles(ModelOption.home()), sequences, length,
                    1234, 0.05);
            int[] ids = tok.encode(content);
            Comparison.Options o = new Comparison.Options(methods, bits, window, maxTokens, compareTokens, taskList, limit,
                    ModelOption.home().resolve("data/evalsets"));
            Comparison.Table t = Comparison.run(m, tok, set, ids, o, Log.progressBar());
            List<Path> files = ComparisonReport.write(t, out);
            Log.info("wrote %s (%.0f s)", files, t.seconds());
            if (json) Json.print(Map.of("rows", t.rows(), "caption", t.caption(), "files", files.stream().map(Path::toString).toList()));
            else System.out.print(ComparisonReport.markdown(t));
        }
    }
}
