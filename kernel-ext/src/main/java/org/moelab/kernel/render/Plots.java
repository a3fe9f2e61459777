package org.moelab.kernel.render;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.util.Map;

/** Charts core's {@link org.moelab.report.Charts} does not draw: two y axes on one plot. */
public final class Plots {

    private static final Color[] PALETTE = {new Color(59, 82, 139), new Color(33, 145, 140), new Color(94, 201, 98),
            new Color(220, 120, 30), new Color(150, 40, 120), new Color(200, 40, 40), new Color(90, 90, 90), new Color(180, 160, 20)};

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Plots() {
    }

    /**
     * Normalized eigenvalues λ_k/Σλ on a log axis (left, solid) and their cumulative sum (right, dashed, 0..1), one
     * pair of lines per series, against the direction index k = 1, 2, …
     *
     * @param spectra    series name → λ_k/Σλ
     * @param cumulative series name → Σ_{j≤k} λ_j/Σλ (same names)
     */
    public static JFreeChart spectrum(String title, Map<String, double[]> spectra, Map<String, double[]> cumulative) {
        XYSeriesCollection left = new XYSeriesCollection();
        XYSeriesCollection right = new XYSeriesCollection();
        spectra.forEach((name, v) -> {
            XYSeries s = new XYSeries(name + " λ", false, true);
            for (int k = 0; k < v.length; k++) if (v[k] > 0) s.add(k + 1, v[k]);
            left.addSeries(s);
        });
        cumulative.forEach((name, v) -> {
            XYSeries s = new XYSeries(name + " cumulative", false, true);
            for (int k = 0; k < v.length; k++) s.add(k + 1, v[k]);
            right.addSeries(s);
        });
        NumberAxis x = new NumberAxis("direction k");
        x.setAutoRangeIncludesZero(false);
        LogAxis y = new LogAxis("normalized eigenvalue λk / Σλ");
        XYLineAndShapeRenderer solid = new XYLineAndShapeRenderer(true, false);
        solid.setDrawSeriesLineAsPath(true); // one SVG path per series, not one element per segment
        XYPlot plot = new XYPlot(left, x, y, solid);
        NumberAxis y2 = new NumberAxis("cumulative energy");
        y2.setRange(0, 1.02);
        plot.setRangeAxis(1, y2);
        plot.setDataset(1, right);
        plot.mapDatasetToRangeAxis(1, 1);
        XYLineAndShapeRenderer dashed = new XYLineAndShapeRenderer(true, false);
        dashed.setDrawSeriesLineAsPath(true);
        for (int i = 0; i < left.getSeriesCount(); i++) {
            Color c = PALETTE[i % PALETTE.length];
            solid.setSeriesPaint(i, c);
            dashed.setSeriesPaint(i, c);
            dashed.setSeriesStroke(i, new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        }
        plot.setRenderer(1, dashed);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }
}
