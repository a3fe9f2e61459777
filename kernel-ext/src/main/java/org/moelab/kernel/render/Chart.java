package org.moelab.kernel.render;

import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import org.jfree.chart.JFreeChart;
import org.moelab.report.Charts;

/**
 * One chart from core's {@link Charts}, shown as image/svg+xml (crisp at any zoom, text stays text) with a
 * text/plain caption; {@link #png()} for anything that wants a bitmap.
 */
public record Chart(String title, JFreeChart chart, int width, int height) implements Rich {

    public Chart(String title, JFreeChart chart) {
        this(title, chart, 640, 360);
    }

    public String svg() {
        return Charts.svg(chart, width, height);
    }

    public byte[] png() {
        return Charts.png(chart, width, height);
    }

    @Override
    public DisplayData toDisplayData() {
        DisplayData d = new DisplayData("[chart] " + title);
        d.putSVG(svg());
        return d;
    }

    /** The chart inlined in HTML (for a result that shows a table and its charts in one output). */
    public String inlineHtml() {
        return "<div style=\"margin:4px 0\">" + svg().replaceFirst("<\\?xml[^>]*>", "") + "</div>";
    }
}
