package org.moelab.kernel.magics;

import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import org.moelab.kernel.render.Chart;
import org.moelab.kernel.render.Html;
import org.moelab.kernel.render.Rich;
import org.moelab.report.Charts;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Perplexity of several models on the same text (methods.md §7), as %moe-eval reports it. */
public record PerplexityResult(List<Row> rows) implements Rich {

    /** One model's perplexity job result. */
    public record Row(String model, String file, double ppl, double meanNll, long predictedTokens, int window, int windows) {
    }

    public double ppl(String model) {
        return rows.stream().filter(r -> r.model().equals(model)).mapToDouble(Row::ppl).findFirst().orElse(Double.NaN);
    }

    private List<List<Object>> table() {
        List<List<Object>> t = new ArrayList<>();
        double base = rows.isEmpty() ? Double.NaN : rows.get(0).ppl();
        for (Row r : rows) {
            t.add(List.of(r.model(), String.format(Locale.ROOT, "%.3f", r.ppl()),
                    r == rows.get(0) ? "" : String.format(Locale.ROOT, "%+.2f%%", 100 * (r.ppl() / base - 1)),
                    String.format(Locale.ROOT, "%.4f", r.meanNll()), r.predictedTokens(), r.window() + " × " + r.windows(),
                    r.file() == null ? "(text)" : r.file()));
        }
        return t;
    }

    private static final List<String> HEADERS = List.of("model", "perplexity", "vs first", "mean NLL", "predicted tokens", "windows", "text");

    public Chart chart() {
        Map<String, Number> v = new LinkedHashMap<>();
        rows.forEach(r -> v.put(r.model(), r.ppl()));
        return new Chart("perplexity", Charts.bars("Perplexity (lower is better)", "model", "perplexity", Map.of("perplexity", v)), 560, 320);
    }

    @Override
    public DisplayData toDisplayData() {
        return Rich.of(Html.textTable("Perplexity", HEADERS, table()), Html.table("Perplexity", HEADERS, table()) + chart().inlineHtml());
    }

    @Override
    public List<DisplayData> displays() {
        return List.of(Rich.of(Html.textTable("Perplexity", HEADERS, table()), Html.table("Perplexity", HEADERS, table())),
                chart().toDisplayData());
    }
}
