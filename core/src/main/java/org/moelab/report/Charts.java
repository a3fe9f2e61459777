package org.moelab.report;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;

import java.awt.Color;
import java.awt.Paint;
import java.awt.Rectangle;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The charts moelab draws (spectra, cost curves, allocation heatmaps, quality vs bits), built with
 * JFreeChart and rendered to SVG (JFreeSVG) or PNG, headless. Used by the CLI reports and the magics.
 */
public final class Charts {

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Charts() {
    }

    /**
     * Line colours that stay readable on white (Okabe–Ito without its yellow, then black and grey); JFreeChart's
     * default cycle puts a light yellow fourth.
     */
    static final Color[] LINE_PALETTE = {new Color(0x0072B2), new Color(0xD55E00), new Color(0x009E73), new Color(0xCC79A7),
            new Color(0xE69F00), new Color(0x56B4E9), Color.BLACK, new Color(0x999999)};

    /**
     * Lines with markers.
     *
     * @param series name → points as {x, y} pairs
     * @param logY   logarithmic y axis (positive values only)
     */
    public static JFreeChart lines(String title, String xLabel, String yLabel, Map<String, double[][]> series, boolean logY) {
        XYSeriesCollection data = new XYSeriesCollection();
        series.forEach((name, pts) -> {
            XYSeries s = new XYSeries(name, false, true);
            for (double[] p : pts) {
                if (!logY || p[1] > 0) s.add(p[0], p[1]);
            }
            data.addSeries(s);
        });
        NumberAxis x = new NumberAxis(xLabel);
        x.setAutoRangeIncludesZero(false);
        org.jfree.chart.axis.ValueAxis y;
        if (logY) {
            y = new LogAxis(yLabel);
        } else {
            NumberAxis n = new NumberAxis(yLabel);
            n.setAutoRangeIncludesZero(false);
            y = n;
        }
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < series.size(); i++) renderer.setSeriesPaint(i, LINE_PALETTE[i % LINE_PALETTE.length]);
        XYPlot plot = new XYPlot(data, x, y, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, series.size() > 1);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /**
     * A heatmap of {@code values[row][col]} (e.g. layer × expert average bits), rows on the y axis.
     */
    public static JFreeChart heatmap(String title, String colLabel, String rowLabel, double[][] values, String scaleLabel) {
        int rows = values.length;
        int cols = rows == 0 ? 0 : values[0].length;
        double[] xs = new double[rows * cols];
        double[] ys = new double[rows * cols];
        double[] zs = new double[rows * cols];
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int i = r * cols + c;
                xs[i] = c;
                ys[i] = r;
                zs[i] = values[r][c];
                lo = Math.min(lo, zs[i]);
                hi = Math.max(hi, zs[i]);
            }
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries(scaleLabel, new double[][] {xs, ys, zs});
        XYBlockRenderer renderer = new XYBlockRenderer();
        PaintScale scale = new Viridis(lo, hi == lo ? lo + 1 : hi);
        renderer.setPaintScale(scale);
        NumberAxis x = new NumberAxis(colLabel);
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        x.setLowerMargin(0);
        x.setUpperMargin(0);
        x.setRange(-0.5, cols - 0.5);
        NumberAxis y = new NumberAxis(rowLabel);
        y.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        y.setRange(-0.5, rows - 0.5);
        XYPlot plot = new XYPlot(data, x, y, renderer);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        NumberAxis scaleAxis = new NumberAxis(scaleLabel);
        scaleAxis.setRange(scale.getLowerBound(), scale.getUpperBound());
        PaintScaleLegend legend = new PaintScaleLegend(scale, scaleAxis);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setMargin(4, 4, 4, 4);
        chart.addSubtitle(legend);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /** Grouped bars: series → category → value (e.g. projection → bit-width → components). */
    public static JFreeChart bars(String title, String categoryLabel, String valueLabel, Map<String, Map<String, Number>> series) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        series.forEach((name, values) -> values.forEach((cat, v) -> data.addValue(v, name, cat)));
        JFreeChart chart = org.jfree.chart.ChartFactory.createBarChart(title, categoryLabel, valueLabel, data,
                PlotOrientation.VERTICAL, series.size() > 1, false, false);
        chart.setBackgroundPaint(Color.WHITE);
        chart.getPlot().setBackgroundPaint(Color.WHITE);
        return chart;
    }

    public static String svg(JFreeChart chart, int width, int height) {
        SVGGraphics2D g = new SVGGraphics2D(width, height);
        chart.draw(g, new Rectangle(0, 0, width, height));
        return g.getSVGDocument();
    }

    public static byte[] png(JFreeChart chart, int width, int height) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ChartUtils.writeChartAsPNG(out, chart, width, height);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A perceptually uniform dark-blue → green → yellow scale (viridis, 5 anchors, linear in between). */
    static final class Viridis implements PaintScale {
        private static final int[][] ANCHORS = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
        private final double lo;
        private final double hi;

        Viridis(double lo, double hi) {
            this.lo = lo;
            this.hi = hi;
        }

        @Override
        public double getLowerBound() {
            return lo;
        }

        @Override
        public double getUpperBound() {
            return hi;
        }

        @Override
        public Paint getPaint(double value) {
            double t = Math.max(0, Math.min(1, (value - lo) / (hi - lo))) * (ANCHORS.length - 1);
            int i = Math.min(ANCHORS.length - 2, (int) t);
            double f = t - i;
            int[] a = ANCHORS[i];
            int[] b = ANCHORS[i + 1];
            return new Color((int) Math.round(a[0] + f * (b[0] - a[0])), (int) Math.round(a[1] + f * (b[1] - a[1])),
                    (int) Math.round(a[2] + f * (b[2] - a[2])));
        }
    }
}
