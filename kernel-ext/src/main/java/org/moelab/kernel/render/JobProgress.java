package org.moelab.kernel.render;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import org.moelab.kernel.MagicContext;

import java.util.Locale;

/**
 * A progress bar for a backend job, shown once and then updated in place (Jupyter display updates) from the
 * job views the event stream delivers: overall fraction, the stage now running with its step count, ETA.
 */
public final class JobProgress {

    private static final long MIN_INTERVAL_NANOS = 150_000_000L;

    private final MagicContext ctx;
    private final String title;
    private String displayId;
    private long lastUpdate;
    private String lastLabel = "";
    private double lastFraction;

    public JobProgress(MagicContext ctx, String title) {
        this.ctx = ctx;
        this.title = title;
    }

    /** Takes one job view ({state, stage, done, total, fraction, etaSeconds}); repaints at most ~7 times a second. */
    public void update(JsonNode job) {
        String state = job.path("state").asText("queued");
        double fraction = job.path("fraction").asDouble(0);
        String label = label(job, state);
        boolean terminal = state.equals("succeeded") || state.equals("failed") || state.equals("cancelled");
        long now = System.nanoTime();
        if (displayId != null && !terminal && now - lastUpdate < MIN_INTERVAL_NANOS) return;
        if (label.equals(lastLabel) && displayId != null && !terminal) return;
        lastUpdate = now;
        lastLabel = label;
        lastFraction = fraction;
        DisplayData d = render(fraction, label);
        if (displayId == null) displayId = ctx.displayUpdatable(d);
        else ctx.update(displayId, d);
    }

    /** Marks the bar with a final note (e.g. "cancelled"), whatever the last view said. */
    public void finish(String note) {
        if (displayId == null) return;
        ctx.update(displayId, render(lastFraction, note));
    }

    private DisplayData render(double fraction, String label) {
        DisplayData d = new DisplayData(title + " " + Html.textProgressBar(fraction, label));
        d.putHTML("<div><b>" + Html.escape(title) + "</b>" + Html.progressBar(fraction, label) + "</div>");
        return d;
    }

    public static String label(JsonNode job, String state) {
        StringBuilder sb = new StringBuilder(state);
        String stage = job.path("stage").asText("");
        if (!stage.isEmpty() && !stage.equals(state) && !state.equals("succeeded")) {
            sb.append(" · ").append(stage);
            long total = job.path("total").asLong(0);
            if (total > 0) sb.append(' ').append(job.path("done").asLong(0)).append('/').append(total);
        }
        sb.append(String.format(Locale.ROOT, " · %.0f%%", 100 * job.path("fraction").asDouble(0)));
        if (job.hasNonNull("etaSeconds") && !state.equals("succeeded")) {
            sb.append(String.format(Locale.ROOT, " · ETA %.0f s", job.get("etaSeconds").asDouble()));
        }
        if (job.hasNonNull("elapsedSeconds") && state.equals("succeeded")) {
            sb.append(String.format(Locale.ROOT, " · %.1f s", job.get("elapsedSeconds").asDouble()));
        }
        return sb.toString();
    }
}
