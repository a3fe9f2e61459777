package org.moelab.cli;

import org.moelab.bitsmoe.artifact.BitsMoeArtifact;
import org.moelab.eval.EvalReport;
import org.moelab.eval.ModelComparison;
import org.moelab.eval.ModelScorer;
import org.moelab.eval.Perplexity;
import org.moelab.eval.TaskResult;
import org.moelab.eval.ZeroShot;
import org.moelab.runtime.Transformer;
import org.moelab.tokenizer.MoeTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

@Command(name = "eval", mixinStandardHelpOptions = true,
        header = "Zero-shot evaluation: PIQA, ARC, OpenBookQA, WinoGrande, BoolQ, COPA, MMLU, LAMBADA.",
        description = {"Zero-shot evaluation (methods.md §7): PIQA, ARC-E/C, OpenBookQA, WinoGrande, BoolQ, COPA,",
                "MMLU with lm-eval 0.4 prompts and scoring (acc, acc_norm, stderr), LAMBADA last-word accuracy;",
                "optionally perplexity (--ppl-text) and, with --reference-model, the expert-shift rate per layer",
                "and next-token KL / same-top-1 against the FP reference, with the reference's noise floor."})
final class EvalCommand implements Runnable {

    @Mixin
    ModelOption model;

    @Option(names = "--tasks", paramLabel = "LIST",
            description = "Comma list of piqa,arc_easy,arc_challenge,openbookqa,winogrande,boolq,copa,mmlu,lambada_openai; "
                    + "'all' or 'none' (default ${DEFAULT-VALUE}).")
    String tasks = "all";

    @Option(names = "--limit", paramLabel = "N", description = "Items per task; 0 = all (default ${DEFAULT-VALUE}). "
            + "MMLU takes its N round-robin over the subjects.")
    int limit;

    @Option(names = "--evalsets", paramLabel = "DIR", description = "Evaluation sets root. Default: data/evalsets of the repository.")
    Path evalsets;

    @Option(names = "--ppl-text", paramLabel = "FILE", description = {"Also measure perplexity on this UTF-8 text (non-overlapping windows);",
            "'wiki' = data/wikitext2/wiki.test.raw, 'heldout' = the last 5 %% of the calibration corpora (never calibrated on)."})
    Path pplText;

    @Option(names = "--window", description = "Tokens per perplexity/comparison window; 0 = min(2048, the model's positions) (default ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--max-tokens", description = "Perplexity: keep only the first N tokens; 0 = all (default ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--reference-model", paramLabel = "DIR",
            description = "FP model to compare against (expert shift, KL, same top-1), on --ppl-text, else val.txt of the model "
                    + "or the reference, else data/wikitext2/wiki.test.raw.")
    Path referenceModel;

    @Option(names = "--compare-tokens", paramLabel = "N", description = "Tokens of the text used for the comparison; 0 = all (default ${DEFAULT-VALUE}).")
    int compareTokens = 8192;

    @Option(names = "--floor-chunk", paramLabel = "N",
            description = "Noise floor: the FP-vs-FP rerun feeds N tokens per call (default ${DEFAULT-VALUE}: the decode path).")
    int floorChunk = 1;

    @Option(names = "--json", description = "Print the report as one JSON line instead of markdown tables.")
    boolean json;

    @Override
    public void run() {
        if (limit < 0) throw new IllegalArgumentException("--limit must be >= 0, got " + limit);
        if (maxTokens < 0 || compareTokens < 0) throw new IllegalArgumentException("--max-tokens and --compare-tokens must be >= 0");
        if (window < 0) throw new IllegalArgumentException("--window must be >= 0, got " + window);
        if (floorChunk < 1) throw new IllegalArgumentException("--floor-chunk must be >= 1, got " + floorChunk);
        List<String> taskList = ZeroShot.parseTasks(tasks);
        Path root = evalsets != null ? evalsets : ModelOption.home().resolve("data/evalsets");
        if (!taskList.isEmpty() && !Files.isDirectory(root)) throw new IllegalArgumentException("no evaluation sets at " + root + "; pass --evalsets DIR");
        Path dir = model.resolve();
        try (BitsMoeArtifact.Loaded lm = model.open(); MoeTokenizer tok = MoeTokenizer.load(dir)) {
            Transformer t = lm.transformer();
            int win = window > 0 ? window : Math.min(2048, t.maxPositions());

            List<TaskResult> results = List.of();
            if (!taskList.isEmpty()) {
                long t0 = System.nanoTime();
                results = ZeroShot.run(root, taskList, new ModelScorer(t, tok), limit, Log.progressBar());
                Log.info("%d tasks in %.1f s", taskList.size(), (System.nanoTime() - t0) / 1e9);
            }

            Perplexity.Result ppl = null;
            if (pplText != null && pplText.toString().equals("wiki")) pplText = ModelOption.home().resolve("data/wikitext2/wiki.test.raw");
            if (pplText != null && pplText.toString().equals("heldout")) {
                int w = win;
                var held = org.moelab.bitsmoe.calibration.CalibrationCorpus.heldOut(tok,
                        org.moelab.bitsmoe.calibration.CalibrationCorpus.defaultFiles(ModelOption.home()),
                        32, w, 4321, 0.05);
                int[] ids = java.util.Arrays.stream(held.sequences()).flatMapToInt(java.util.Arrays::stream).toArray();
                Log.info("held-out corpora tail: %d sequences of %d tokens", held.sequences().length, w);
                ppl = Perplexity.compute(t, ids, w, maxTokens, Log.progressBar());
            } else if (pplText != null) {
                int[] ids = tok.encode(read(pplText, "--ppl-text"));
                Log.info("%s: %d tokens", pplText, ids.length);
                ppl = Perplexity.compute(t, ids, win, maxTokens, Log.progressBar());
            }

            ModelComparison.Result cmp = null;
            ModelComparison.Result floor = null;
            Path cmpText = null;
            if (referenceModel != null) {
                cmpText = comparisonText(dir);
                int[] ids = tok.encode(read(cmpText, "comparison text"));
                ModelComparison.Options o = ModelComparison.Options.of(win, compareTokens);
                try (BitsMoeArtifact.Loaded ref = openReference()) {
                    Transformer fp = ref.transformer();
                    Log.info("comparing with %s on %s (%d tokens, window %d)", referenceModel, cmpText, Math.min(ids.length,
                            compareTokens > 0 ? compareTokens : ids.length), win);
                    cmp = ModelComparison.compare(fp, t, ids, o, Log.progressBar());
                    floor = ModelComparison.noiseFloor(fp, ids, o, floorChunk, Log.progressBar());
                }
            }
            EvalReport report = EvalReport.of(dir.toString(), referenceModel == null ? null : referenceModel.toString(), limit,
                    results, pplText == null ? null : pplText.toString(), ppl, cmpText == null ? null : cmpText.toString(), cmp, floor);
            if (json) {
                System.out.println(report.toJson());
                System.out.flush();
            } else {
                System.out.print(report.toMarkdown());
            }
        }
    }

    private BitsMoeArtifact.Loaded openReference() {
        return ModelOption.open(referenceModel);
    }

    private Path comparisonText(Path modelDir) {
        if (pplText != null) return pplText;
        for (Path d : List.of(modelDir, referenceModel)) {
            Path val = d.resolve("val.txt");
            if (Files.isRegularFile(val)) return val;
        }
        return ModelOption.home().resolve("data/wikitext2/wiki.test.raw");
    }

    private static String read(Path file, String what) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + what + " " + file + ": " + e.getMessage(), e);
        }
    }
}
