package org.moelab.eval;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;

/**
 * Everything one {@code moelab eval} run measured. Absent parts are null and left out of the JSON.
 *
 * @param limit          items per task (0: every item)
 * @param meanAcc        unweighted mean of the tasks' acc
 * @param meanAccNorm    unweighted mean of acc_norm, taking acc for tasks without one (LAMBADA)
 * @param perplexityText file the perplexity was measured on
 * @param comparison     candidate (this model) vs the reference model
 * @param noiseFloor     reference vs itself with a different batch split
 * @param comparisonText file the comparison ran on
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EvalReport(String model, String referenceModel, int limit, List<TaskResult> tasks, Double meanAcc,
                         Double meanAccNorm, String perplexityText, Perplexity.Result perplexity, String comparisonText,
                         ModelComparison.Result comparison, ModelComparison.Result noiseFloor) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public EvalReport {
        tasks = tasks == null ? List.of() : List.copyOf(tasks);
    }

    /** Fills in the means from the tasks. */
    public static EvalReport of(String model, String referenceModel, int limit, List<TaskResult> tasks, String perplexityText,
                                Perplexity.Result perplexity, String comparisonText, ModelComparison.Result comparison,
                                ModelComparison.Result noiseFloor) {
        Double meanAcc = null;
        Double meanAccNorm = null;
        if (tasks != null && !tasks.isEmpty()) {
            meanAcc = tasks.stream().mapToDouble(TaskResult::acc).average().orElseThrow();
            meanAccNorm = tasks.stream().mapToDouble(t -> t.accNorm() != null ? t.accNorm() : t.acc()).average().orElseThrow();
        }
        return new EvalReport(model, referenceModel, limit, tasks, meanAcc, meanAccNorm, perplexityText, perplexity,
                comparisonText, comparison, noiseFloor);
    }

    /** One line of JSON. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Markdown tables: tasks (acc ± stderr, acc_norm ± stderr, items), perplexity, expert shift per layer, KL. */
    public String toMarkdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("Model: `").append(model).append('`');
        if (referenceModel != null) sb.append(", reference (FP): `").append(referenceModel).append('`');
        sb.append("\n\n");
        if (!tasks.isEmpty()) {
            sb.append("Zero-shot, lm-eval 0.4 prompts, ").append(limit > 0 ? "first " + limit + " items per task" : "all items")
                    .append("; acc_norm divides by the choice's UTF-8 byte length.\n\n");
            sb.append("| task | items | acc % | ± | acc_norm % | ± |\n|---|---:|---:|---:|---:|---:|\n");
            for (TaskResult t : tasks) {
                String name = t.ppl() == null ? t.task() : String.format(Locale.ROOT, "%s (ppl %.2f)", t.task(), t.ppl());
                sb.append("| ").append(name).append(" | ").append(t.items()).append(" | ").append(pct(t.acc()))
                        .append(" | ").append(pct(t.accStderr())).append(" | ").append(pct(t.accNorm())).append(" | ")
                        .append(pct(t.accNormStderr())).append(" |\n");
            }
            sb.append("| **mean** | ").append(tasks.size()).append(" tasks | ").append(pct(meanAcc)).append(" |  | ")
                    .append(pct(meanAccNorm)).append(" |  |\n\n");
        }
        if (perplexity != null) {
            sb.append(String.format(Locale.ROOT, "Perplexity %.4f on `%s` (window %d, %d windows, %d predicted tokens)%n%n",
                    perplexity.ppl(), perplexityText, perplexity.window(), perplexity.windows(), perplexity.predicted()));
        }
        if (comparison != null || noiseFloor != null) {
            ModelComparison.Result any = comparison != null ? comparison : noiseFloor;
            sb.append(String.format(Locale.ROOT, "Against the reference on `%s`: %d windows of %d tokens (%d positions).%n%n",
                    comparisonText, any.windows(), any.window(), any.tokens()));
            appendShift(sb);
            appendKl(sb);
        }
        return sb.toString();
    }

    private void appendShift(StringBuilder sb) {
        ModelComparison.Result any = comparison != null ? comparison : noiseFloor;
        sb.append("| layer | expert shift % |").append(comparison != null && noiseFloor != null ? " noise floor % |" : "")
                .append("\n|---:|---:|").append(comparison != null && noiseFloor != null ? "---:|" : "").append('\n');
        List<ExpertShift.Layer> layers = any.expertShift().perLayer();
        for (int i = 0; i < layers.size(); i++) {
            sb.append("| ").append(layers.get(i).layer()).append(" | ").append(pct(layers.get(i).rate())).append(" |");
            if (comparison != null && noiseFloor != null) {
                sb.append(' ').append(pct(noiseFloor.expertShift().perLayer().get(i).rate())).append(" |");
            }
            sb.append('\n');
        }
        sb.append("| **all** | ").append(pct(any.expertShift().rate())).append(" |");
        if (comparison != null && noiseFloor != null) sb.append(' ').append(pct(noiseFloor.expertShift().rate())).append(" |");
        sb.append("\n\n");
        if (noiseFloor != null) sb.append("Noise floor = ").append(noiseFloor.method()).append(".\n\n");
    }

    private void appendKl(StringBuilder sb) {
        sb.append("| positions | tokens | KL (nats) | same top-1 |").append(comparison != null && noiseFloor != null ? " floor KL | floor same top-1 |" : "")
                .append("\n|---|---:|---:|---:|").append(comparison != null && noiseFloor != null ? "---:|---:|" : "").append('\n');
        ModelComparison.Result any = comparison != null ? comparison : noiseFloor;
        List<NextTokenKl.Bucket> buckets = any.kl().buckets();
        for (int i = 0; i < buckets.size(); i++) {
            NextTokenKl.Bucket b = buckets.get(i);
            sb.append(String.format(Locale.ROOT, "| %d–%d | %d | %.3g | %.2f %% |", b.from(), b.to() - 1, b.tokens(), b.meanKl(), b.sameTopPct()));
            if (comparison != null && noiseFloor != null) {
                NextTokenKl.Bucket f = noiseFloor.kl().buckets().get(i);
                sb.append(String.format(Locale.ROOT, " %.3g | %.2f %% |", f.meanKl(), f.sameTopPct()));
            }
            sb.append('\n');
        }
        NextTokenKl.Result r = any.kl();
        sb.append(String.format(Locale.ROOT, "| **all** | %d | %.3g | %.2f %% |", r.tokens(), r.meanKl(), r.sameTopPct()));
        if (comparison != null && noiseFloor != null) {
            sb.append(String.format(Locale.ROOT, " %.3g | %.2f %% |", noiseFloor.kl().meanKl(), noiseFloor.kl().sameTopPct()));
        }
        sb.append("\n");
    }

    private static String pct(Double x) {
        return x == null ? "–" : String.format(Locale.ROOT, "%.2f", 100 * x);
    }
}
