package org.moelab.kernel.magics;

import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import org.moelab.compare.Comparison;
import org.moelab.compare.ComparisonReport;
import org.moelab.compare.MethodResult;
import org.moelab.kernel.MagicException;
import org.moelab.kernel.render.Chart;
import org.moelab.kernel.render.Html;
import org.moelab.kernel.render.Rich;
import org.moelab.report.Charts;
import org.jfree.chart.JFreeChart;
import org.jfree.data.xy.XYDataset;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What %moe-sweep measured: the FP model's perplexity and, for each method and requested budget, the artifact's
 * realised bits and perplexity on the same text, or why that cell was skipped (the backend refused the method or the
 * budget). The chart is core's quality-vs-bits chart ({@link ComparisonReport#chart}), the one {@code ./moelab compare}
 * draws.
 *
 * @param settings what every number was measured with (calibration, text, tokens), shown as the caption
 */
public record Sweep(String model, String settings, Run fp, List<Run> runs) implements Rich {

    /**
     * One cell. {@code skipped} is null when it ran; then {@code ppl} and the bits are set.
     *
     * @param artifact       the artifact's model id (null when skipped)
     * @param payloadBits    realised average payload bits per routed-expert weight
     * @param bitsWithScales … with scales (and BitsMoE's bases: {@code bitsWithBasis})
     */
    public record Run(String method, double requestedBits, String artifact, Double payloadBits, Double bitsWithScales,
                      Double bitsWithBasis, Double ppl, Double quantSeconds, String note, String skipped) {

        public boolean ran() {
            return skipped == null;
        }
    }

    /** The cell of {@code method} at {@code bits}, or an error naming what there is. */
    public Run run(String method, double bits) {
        return runs.stream().filter(r -> r.method().equals(method) && r.requestedBits() == bits).findFirst()
                .orElseThrow(() -> new MagicException("no run of " + method + " at " + bits + " bits in this sweep"));
    }

    /** Perplexity of {@code method} at {@code bits}; NaN when that cell was skipped. */
    public double ppl(String method, double bits) {
        Run r = run(method, bits);
        return r.ppl() == null ? Double.NaN : r.ppl();
    }

    /** The methods the backend refused outright (e.g. a backend without mobie), with its reason. */
    public List<Run> refusedMethods() {
        List<Run> out = new ArrayList<>();
        for (Run r : runs) {
            if (!r.ran() && r.skipped().startsWith(NOT_OFFERED) && out.stream().noneMatch(o -> o.method().equals(r.method()))) out.add(r);
        }
        return out;
    }

    public boolean offered(String method) {
        return refusedMethods().stream().noneMatch(r -> r.method().equals(method));
    }

    static final String NOT_OFFERED = "not offered by this backend";

    /**
     * Perplexity against realised payload bits, one line per method, FP as a flat reference line: the series of
     * {@link ComparisonReport#chart} (the chart {@code ./moelab compare} draws, log y axis) when the perplexities span
     * more than {@value #LOG_SPAN}×, else the same series on a linear axis, whose ticks stay readable over a narrow range
     * (a log axis labels them 10^1.87, 10^1.88, …).
     */
    public Chart chart() {
        if (runs.stream().noneMatch(Run::ran)) throw new MagicException("nothing ran in this sweep, so there is no chart");
        Comparison.Table t = new Comparison.Table(settings, methodResults(), 0);
        double lo = Double.POSITIVE_INFINITY, hi = 0;
        for (MethodResult r : t.rows()) {
            if (r.ppl() == null) continue;
            lo = Math.min(lo, r.ppl());
            hi = Math.max(hi, r.ppl());
        }
        JFreeChart c = ComparisonReport.chart(t);
        if (hi / lo <= LOG_SPAN) {
            Map<String, double[][]> pts = new LinkedHashMap<>();
            XYDataset d = c.getXYPlot().getDataset();
            for (int s = 0; s < d.getSeriesCount(); s++) {
                double[][] xy = new double[d.getItemCount(s)][];
                for (int i = 0; i < xy.length; i++) xy[i] = new double[] {d.getXValue(s, i), d.getYValue(s, i)};
                pts.put(d.getSeriesKey(s).toString(), xy);
            }
            c = Charts.lines(c.getTitle().getText(), c.getXYPlot().getDomainAxis().getLabel(), c.getXYPlot().getRangeAxis().getLabel(), pts,
                    false);
        }
        return new Chart("quality vs bits", c, 720, 440);
    }

    static final double LOG_SPAN = 4;

    private List<MethodResult> methodResults() {
        List<MethodResult> out = new ArrayList<>();
        if (fp != null) out.add(result(fp));
        for (Run r : runs) if (r.ran()) out.add(result(r));
        return out;
    }

    private static MethodResult result(Run r) {
        double b = r.payloadBits() != null ? r.payloadBits() : r.requestedBits();
        return new MethodResult(r.method(), b, r.requestedBits(), r.payloadBits(), r.bitsWithScales(), r.bitsWithBasis(), r.ppl(),
                null, null, null, Map.of(), r.quantSeconds(), r.note());
    }

    private static final List<String> HEADERS = List.of("method", "bits asked", "payload", "+scales", "+basis", "perplexity", "vs FP",
            "quantize s", "note");

    private List<List<Object>> table() {
        List<List<Object>> t = new ArrayList<>();
        double base = fp == null || fp.ppl() == null ? Double.NaN : fp.ppl();
        if (fp != null) t.add(List.of("fp", "16 (bf16)", "–", "–", "–", num(fp.ppl(), 3), "", "–", Objects.requireNonNullElse(fp.note(), "")));
        for (Run r : runs) {
            if (!r.ran()) {
                t.add(List.of(r.method(), num(r.requestedBits(), 2), "–", "–", "–", "–", "–", "–", "skipped: " + r.skipped()));
                continue;
            }
            String vs = Double.isNaN(base) ? "" : String.format(Locale.ROOT, "%+.2f%%", 100 * (r.ppl() / base - 1));
            t.add(List.of(r.method(), num(r.requestedBits(), 2), num(r.payloadBits(), 3), num(r.bitsWithScales(), 3),
                    num(r.bitsWithBasis(), 3), num(r.ppl(), 3), vs, num(r.quantSeconds(), 1), Objects.requireNonNullElse(r.note(), "")));
        }
        return t;
    }

    private static String num(Double v, int digits) {
        return v == null ? "–" : String.format(Locale.ROOT, "%." + digits + "f", v);
    }

    private String caption() {
        return "Methods compared on " + model + ": " + settings;
    }

    @Override
    public DisplayData toDisplayData() {
        String html = Html.table(caption(), HEADERS, table());
        if (runs.stream().anyMatch(Run::ran)) html += chart().inlineHtml();
        return Rich.of(Html.textTable(caption(), HEADERS, table()), html);
    }

    @Override
    public List<DisplayData> displays() {
        List<DisplayData> out = new ArrayList<>();
        out.add(Rich.of(Html.textTable(caption(), HEADERS, table()), Html.table(caption(), HEADERS, table())));
        if (runs.stream().anyMatch(Run::ran)) out.add(chart().toDisplayData());
        return out;
    }
}
