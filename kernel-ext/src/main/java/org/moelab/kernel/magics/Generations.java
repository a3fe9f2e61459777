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
     */
    public record Generation(String model, String text, int tokens, int promptTokens, String stop, double decodeTokensPerSecond,
                             double prefillTokensPerSecond) {
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
        return String.format(Locale.ROOT, "%s · %d tokens · %.1f tokens/s (prefill %.0f tokens/s) · stop: %s", g.model(), g.tokens(),
                g.decodeTokensPerSecond(), g.prefillTokensPerSecond(), g.stop());
    }

    @Override
    public DisplayData toDisplayData() {
        StringBuilder text = new StringBuilder();
        StringBuilder html = new StringBuilder("<div style=\"display:flex;gap:12px;flex-wrap:wrap;align-items:stretch\">");
        for (Generation g : generations) {
            text.append("== ").append(header(g)).append(" ==\n").append(prompt).append(g.text()).append("\n\n");
            html.append("<div style=\"flex:1 1 300px;border:1px solid #bbb;border-radius:4px;padding:6px 8px\">")
                    .append("<div style=\"font-size:85%;color:#444;margin-bottom:4px\"><b>").append(Html.escape(g.model())).append("</b> ")
                    .append(Html.escape(header(g).substring(g.model().length()))).append("</div>")
                    .append("<div style=\"white-space:pre-wrap;font-family:monospace\"><span style=\"color:#777\">")
                    .append(Html.escape(prompt)).append("</span>").append(Html.escape(g.text())).append("</div></div>");
        }
        return Rich.of(text.toString().stripTrailing(), html.append("</div>").toString());
    }
}
