package org.moelab.kernel.magics;

import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import org.moelab.kernel.render.Chart;
import org.moelab.kernel.render.Html;
import org.moelab.kernel.render.Rich;
import org.moelab.report.Charts;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Per-token log-probabilities of a reference and a candidate model on one text (POST /v1/compare). */
public record Comparison(String reference, String candidate, List<TokenRow> rows, Summary summary) implements Rich {

    /** Token i: log p(token_i | tokens before it) under each model; delta = candidate − reference. */
    public record TokenRow(int index, int token, String text, double reference, double candidate, double delta) {
    }

    public record Summary(int scoredTokens, double referenceMeanNll, double candidateMeanNll, double referencePpl, double candidatePpl,
                          double meanAbsDelta, int worstTokenIndex, double worstDelta) {
    }

    public Chart deltaChart() {
        double[][] xy = new double[rows.size()][];
        for (int i = 0; i < rows.size(); i++) xy[i] = new double[] {rows.get(i).index(), rows.get(i).delta()};
        return new Chart("log-prob delta per token", Charts.lines("Log-probability change per token (" + candidate + " − " + reference + ")",
                "token index", "Δ log p", Map.of("delta", xy), false));
    }

    /** The tokens as HTML, each shaded red by how much log-probability the candidate lost on it. */
    String shadedText() {
        StringBuilder sb = new StringBuilder("<div style=\"font-family:monospace;white-space:pre-wrap;line-height:1.6\">");
        for (TokenRow r : rows) {
            double loss = Math.max(0, Math.min(1, -r.delta() / 2));
            sb.append(String.format(Locale.ROOT, "<span title=\"%s: ref %.3f, cand %.3f, Δ %+.3f\" style=\"background:rgba(220,40,40,%.2f)\">",
                    Html.escape(r.text()), r.reference(), r.candidate(), r.delta(), loss)).append(Html.escape(r.text())).append("</span>");
        }
        return sb.append("</div>").toString();
    }

    private List<List<Object>> summaryRows() {
        Summary s = summary;
        return List.of(List.of("scored tokens", s.scoredTokens()),
                List.of("perplexity", String.format(Locale.ROOT, "%s %.3f → %s %.3f", reference, s.referencePpl(), candidate, s.candidatePpl())),
                List.of("mean |Δ log p|", String.format(Locale.ROOT, "%.4f", s.meanAbsDelta())),
                List.of("worst token", String.format(Locale.ROOT, "#%d (Δ %+.3f)", s.worstTokenIndex(), s.worstDelta())));
    }

    @Override
    public DisplayData toDisplayData() {
        List<String> h = List.of("", "");
        return Rich.of(Html.textTable("Compare " + candidate + " with " + reference, h, summaryRows()),
                Html.table("Compare " + candidate + " with " + reference, h, summaryRows()) + shadedText() + deltaChart().inlineHtml());
    }

    @Override
    public List<DisplayData> displays() {
        List<String> h = List.of("", "");
        List<DisplayData> out = new ArrayList<>();
        out.add(Rich.of(Html.textTable("Compare " + candidate + " with " + reference, h, summaryRows()),
                Html.table("Compare " + candidate + " with " + reference, h, summaryRows()) + shadedText()));
        out.add(deltaChart().toDisplayData());
        return out;
    }
}
