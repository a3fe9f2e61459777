package org.moelab.kernel.magics;

import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import org.moelab.kernel.MagicException;
import org.moelab.kernel.render.Html;
import org.moelab.kernel.render.Rich;

import java.util.List;
import java.util.Locale;

/** One prompt continued by several models, side by side with their speed. */
public record Generations(String prompt, List<Generation> generations) implements Rich {

    /**
     * @param stop                   eos, stop, length, context_full; null while still generating
     * @param decodeTokensPerSecond  decode speed (after the first token)
     * @param prefillTokensPerSecond prompt processing speed
     * @param tokenIds               the generated token ids (null while still generating)
     * @param scoredBy               with --score: the reference model that scored this continuation (null otherwise)
     * @param scored                 with --score: the continuation's tokens with log p under both models, delta = this
     *                               model − the reference
     * @param divergesAt             with --score: the first generated token (0-based) whose id differs from the reference's
     *                               generation; null when both generated the same tokens
     */
    public record Generation(String model, String text, int tokens, int promptTokens, String stop, double decodeTokensPerSecond,
                             double prefillTokensPerSecond, List<Integer> tokenIds, String scoredBy, List<Comparison.TokenRow> scored,
                             Integer divergesAt) {

        public Generation(String model, String text, int tokens, int promptTokens, String stop, double decodeTokensPerSecond,
                          double prefillTokensPerSecond) {
            this(model, text, tokens, promptTokens, stop, decodeTokensPerSecond, prefillTokensPerSecond, null, null, null, null);
        }

        /** Mean |log p(this model) − log p(reference)| over the scored continuation; NaN when not scored. */
        public double meanAbsDelta() {
            if (scored == null || scored.isEmpty()) return Double.NaN;
            return scored.stream().mapToDouble(r -> Math.abs(r.delta())).average().orElse(Double.NaN);
        }
    }

    public Generation of(String model) {
        return generations.stream().filter(g -> g.model().equals(model)).findFirst()
                .orElseThrow(() -> new MagicException("no generation from " + model + "; models: "
                        + generations.stream().map(Generation::model).toList()));
    }

    public String text(String model) {
        return of(model).text();
    }

    private static String header(Generation g) {
        if (g.stop() == null) return g.model() + " · " + g.tokens() + " tokens …";
        String h = String.format(Locale.ROOT, "%s · %d tokens · %.1f tokens/s (prefill %.0f tokens/s) · stop: %s", g.model(), g.tokens(),
                g.decodeTokensPerSecond(), g.prefillTokensPerSecond(), g.stop());
        if (g.scoredBy() != null) {
            h += g.divergesAt() == null ? " · same tokens as " + g.scoredBy()
                    : " · differs from " + g.scoredBy() + " from new token #" + (g.divergesAt() + 1);
            if (!Double.isNaN(g.meanAbsDelta())) h += String.format(Locale.ROOT, " · mean |Δ log p| %.3f", g.meanAbsDelta());
        }
        return h;
    }

    /** Largest |Δ| that gets the full colour. */
    static final double FULL_SHADE = 2.0;

    /**
     * A scored continuation as HTML: each token shaded by Δ = log p(this model) − log p(reference): red where the
     * reference finds the token less likely than the model that wrote it (Δ > 0: this model goes its own way), blue
     * where it finds it more likely; the first token that differs from the reference's generation is underlined.
     */
    static String shaded(Generation g) {
        StringBuilder sb = new StringBuilder();
        int shown = g.scored().size();
        // the rows cover the continuation from its end: text before the first row (a token merged with the prompt) is plain
        int covered = g.scored().stream().mapToInt(r -> r.text().length()).sum();
        sb.append(Html.escape(g.text().substring(0, Math.max(0, g.text().length() - covered))));
        int diverge = g.divergesAt() == null ? -1 : g.divergesAt() - (g.tokens() - shown);
        for (int i = 0; i < shown; i++) {
            Comparison.TokenRow r = g.scored().get(i);
            double a = Math.min(1, Math.abs(r.delta()) / FULL_SHADE) * 0.75;
            String rgb = r.delta() >= 0 ? "220,40,40" : "40,90,220";
            sb.append(String.format(Locale.ROOT, "<span title=\"%s: log p %s %.3f, %s %.3f, Δ %+.3f\" style=\"background:rgba(%s,%.2f)%s\">",
                    Html.escape(r.text()), Html.escape(g.model()), r.candidate(), Html.escape(g.scoredBy()), r.reference(), r.delta(), rgb, a,
                    i == diverge ? ";text-decoration:underline;font-weight:bold" : "")).append(Html.escape(r.text())).append("</span>");
        }
        return sb.toString();
    }

    static final String LEGEND = "shading: Δ = log p(model) − log p(reference) of each generated token; red: the reference finds the "
            + "token less likely than the model that wrote it, blue: more likely (full colour at |Δ| ≥ " + FULL_SHADE + "); "
            + "underlined: the first token that differs from the reference's generation. Hover a token for its numbers.";

    @Override
    public DisplayData toDisplayData() {
        StringBuilder text = new StringBuilder();
        StringBuilder html = new StringBuilder("<div style=\"display:flex;gap:12px;flex-wrap:wrap;align-items:stretch\">");
        boolean anyScored = false;
        for (Generation g : generations) {
            text.append("== ").append(header(g)).append(" ==\n").append(prompt).append(g.text()).append("\n\n");
            boolean scored = g.scored() != null && g.scoredBy() != null;
            anyScored |= scored;
            html.append("<div style=\"flex:1 1 300px;border:1px solid #bbb;border-radius:4px;padding:6px 8px\">")
                    .append("<div style=\"font-size:85%;color:#444;margin-bottom:4px\"><b>").append(Html.escape(g.model())).append("</b> ")
                    .append(Html.escape(header(g).substring(g.model().length()))).append("</div>")
                    .append("<div style=\"white-space:pre-wrap;font-family:monospace\"><span style=\"color:#777\">")
                    .append(Html.escape(prompt)).append("</span>").append(scored ? shaded(g) : Html.escape(g.text())).append("</div></div>");
        }
        html.append("</div>");
        if (anyScored) {
            html.append("<div style=\"font-size:80%;color:#555;margin-top:4px\">").append(Html.escape(LEGEND)).append("</div>");
            text.append(LEGEND);
        }
        return Rich.of(text.toString().stripTrailing(), html.toString());
    }
}
