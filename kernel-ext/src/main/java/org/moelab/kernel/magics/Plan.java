package org.moelab.kernel.magics;

import com.fasterxml.jackson.annotation.JsonAlias;
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
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A BitsMoE allocation plan as the backend returns it (POST /v1/models/{id}/allocation, and {@code plan} in a
 * quantization result): the budget, realised bits in every accounting mode, the width histogram, average bits
 * per layer and projection, calibration coverage and estimates. {@link #curve} holds extra budgets' predicted
 * costs when %moe-allocate was asked for them.
 *
 * @param byLayerExpert per (layer, projection, expert) groups, when the backend sends them (null otherwise)
 */
public record Plan(double bits, String mode, double bitsPayload, double bitsWithScales, double bitsWithBasis,
                   SortedMap<Integer, Integer> histogram, List<Group> byLayerProjection,
                   @JsonAlias("byExpert") List<Group> byLayerExpert, double predictedCost, String solver, String state, Double gap,
                   double allocationSeconds, Coverage coverage, Estimate estimate, List<String> fallbacks, List<CurvePoint> curve)
        implements Rich {

    /** Units of one (layer, projection[, expert]): count, weights, average payload bits, width → units. */
    public record Group(int layer, String projection, Integer expert, int units, long elements, double averageBits,
                        SortedMap<Integer, Integer> histogram) {
    }

    /** Routed calibration tokens per (layer, expert); experts under {@code threshold} are flagged. */
    public record Coverage(List<Integer> layers, long[][] tokens, long threshold, String policy, List<Flag> flagged) {
    }

    public record Flag(int layer, int expert, long tokens) {
    }

    public record Estimate(long artifactBytes, long peakMemoryBytes, double packAndWriteSeconds) {
    }

    /** One budget of a cost-vs-budget curve. */
    public record CurvePoint(double bits, double predictedCost, double bitsWithScales) {
    }

    static final List<String> PROJECTIONS = List.of("gate", "up", "down");

    public Plan withCurve(List<CurvePoint> points) {
        return new Plan(bits, mode, bitsPayload, bitsWithScales, bitsWithBasis, histogram, byLayerProjection, byLayerExpert,
                predictedCost, solver, state, gap, allocationSeconds, coverage, estimate, fallbacks, List.copyOf(points));
    }

    /** Layers in the plan, ascending. */
    public List<Integer> layers() {
        return new ArrayList<>(new TreeSet<>(byLayerProjection.stream().map(Group::layer).toList()));
    }

    /** Average bits of one layer and projection, or NaN. */
    public double averageBits(int layer, String projection) {
        return byLayerProjection.stream().filter(g -> g.layer() == layer && projection.equals(g.projection()))
                .mapToDouble(Group::averageBits).findFirst().orElse(Double.NaN);
    }

    /**
     * Average bits layer × expert (weighted over the projections) when the backend sent per-expert groups;
     * otherwise layer × projection (gate, up, down).
     */
    public Chart bitsHeatmap() {
        List<Integer> layers = layers();
        if (byLayerExpert != null && !byLayerExpert.isEmpty()) {
            int experts = byLayerExpert.stream().mapToInt(g -> g.expert() == null ? 0 : g.expert()).max().orElse(0) + 1;
            double[][] sum = new double[layers.size()][experts];
            double[][] n = new double[layers.size()][experts];
            for (Group g : byLayerExpert) {
                if (g.expert() == null) continue;
                int r = layers.indexOf(g.layer());
                if (r < 0) continue;
                sum[r][g.expert()] += g.averageBits() * g.elements();
                n[r][g.expert()] += g.elements();
            }
            for (int r = 0; r < sum.length; r++) for (int c = 0; c < experts; c++) sum[r][c] = n[r][c] == 0 ? 0 : sum[r][c] / n[r][c];
            return new Chart("bits per weight, layer × expert", Charts.heatmap("Average bits per weight (layer × expert)", "expert",
                    "layer (row " + rowNote(layers) + ")", sum, "bits"));
        }
        double[][] v = new double[layers.size()][PROJECTIONS.size()];
        for (int r = 0; r < layers.size(); r++) {
            for (int c = 0; c < PROJECTIONS.size(); c++) v[r][c] = averageBits(layers.get(r), PROJECTIONS.get(c));
        }
        return new Chart("bits per weight, layer × projection", Charts.heatmap("Average bits per weight (layer × projection)",
                "projection (0 gate, 1 up, 2 down)", "layer (row " + rowNote(layers) + ")", v, "bits"));
    }

    static String rowNote(List<Integer> layers) {
        return layers.isEmpty() || layers.get(0) == 0 && layers.get(layers.size() - 1) == layers.size() - 1 ? "= layer" : "i = layer " + layers;
    }

    /** Routed calibration tokens per layer × expert (where the cost model's statistics come from). */
    public Chart coverageHeatmap() {
        long[][] t = coverage == null || coverage.tokens() == null ? new long[0][0] : coverage.tokens();
        double[][] v = new double[t.length][];
        for (int r = 0; r < t.length; r++) {
            v[r] = new double[t[r].length];
            for (int c = 0; c < t[r].length; c++) v[r][c] = t[r][c];
        }
        return new Chart("calibration tokens, layer × expert", Charts.heatmap("Routed calibration tokens (layer × expert)", "expert",
                "layer (row " + rowNote(coverage == null ? List.of() : coverage.layers()) + ")", v, "tokens"));
    }

    /** Components (units) per bit-width, one bar series per projection, summed over layers. */
    public Chart histogramBars() {
        Map<String, Map<String, Number>> series = new LinkedHashMap<>();
        TreeSet<Integer> widths = new TreeSet<>();
        byLayerProjection.forEach(g -> widths.addAll(g.histogram().keySet()));
        for (String p : PROJECTIONS) {
            Map<Integer, Integer> counts = new TreeMap<>();
            byLayerProjection.stream().filter(g -> p.equals(g.projection()))
                    .forEach(g -> g.histogram().forEach((b, c) -> counts.merge(b, c, Integer::sum)));
            Map<String, Number> row = new LinkedHashMap<>();
            for (int w : widths) row.put(w + " bits", counts.getOrDefault(w, 0));
            series.put(p, row);
        }
        return new Chart("components per bit-width", Charts.bars("Components per bit-width, by projection", "bit-width", "components", series));
    }

    /** Predicted cost against the average-bits budget (log scale), when {@link #curve} has two or more points. */
    public Chart costCurve() {
        List<CurvePoint> pts = new ArrayList<>(curve == null ? List.of() : curve);
        pts.sort(java.util.Comparator.comparingDouble(CurvePoint::bits));
        double[][] xy = new double[pts.size()][];
        for (int i = 0; i < pts.size(); i++) xy[i] = new double[] {pts.get(i).bits(), pts.get(i).predictedCost()};
        boolean log = pts.stream().allMatch(p -> p.predictedCost() > 0);
        return new Chart("predicted cost vs budget", Charts.lines("Predicted cost vs budget", "average bits per weight (budget)",
                "predicted cost Σ c(u, b)", Map.of("predicted cost", xy), log));
    }

    public List<Chart> charts() {
        List<Chart> out = new ArrayList<>(List.of(bitsHeatmap(), histogramBars()));
        if (coverage != null && coverage.tokens() != null && coverage.tokens().length > 0) out.add(coverageHeatmap());
        if (curve != null && curve.size() >= 2) out.add(costCurve());
        return out;
    }

    List<List<Object>> summaryRows() {
        List<List<Object>> rows = new ArrayList<>();
        rows.add(List.of("budget", f(bits) + " bits (" + mode + ")"));
        rows.add(List.of("realised bits", "payload " + f(bitsPayload) + " · +scales " + f(bitsWithScales) + " · +basis " + f(bitsWithBasis)));
        rows.add(List.of("predicted cost", String.format(Locale.ROOT, "%.6g", predictedCost)));
        rows.add(List.of("solver", solver + " " + state + (gap == null ? "" : String.format(Locale.ROOT, " (gap %.3g)", gap))
                + String.format(Locale.ROOT, ", %.2f s", allocationSeconds)));
        rows.add(List.of("width histogram", String.valueOf(histogram)));
        if (coverage != null) {
            rows.add(List.of("coverage", (coverage.flagged() == null ? 0 : coverage.flagged().size()) + " expert(s) under "
                    + coverage.threshold() + " tokens, policy " + coverage.policy()));
        }
        if (estimate != null) {
            rows.add(List.of("estimates", "artifact " + ModelList.mib(estimate.artifactBytes()) + " · peak memory "
                    + ModelList.mib(estimate.peakMemoryBytes()) + String.format(Locale.ROOT, " · pack+write ~%.1f s", estimate.packAndWriteSeconds())));
        }
        if (fallbacks != null) fallbacks.forEach(f -> rows.add(List.of("fallback", f)));
        if (curve != null) {
            for (CurvePoint p : curve) rows.add(List.of("curve", f(p.bits()) + " bits → cost " + String.format(Locale.ROOT, "%.6g", p.predictedCost())));
        }
        return rows;
    }

    static String f(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    @Override
    public DisplayData toDisplayData() {
        List<String> h = List.of("", "");
        StringBuilder html = new StringBuilder(Html.table("BitsMoE allocation plan", h, summaryRows()));
        for (Chart c : charts()) html.append(c.inlineHtml());
        return Rich.of(Html.textTable("BitsMoE allocation plan", h, summaryRows()), html.toString());
    }

    @Override
    public List<DisplayData> displays() {
        List<DisplayData> out = new ArrayList<>();
        List<String> h = List.of("", "");
        out.add(Rich.of(Html.textTable("BitsMoE allocation plan", h, summaryRows()), Html.table("BitsMoE allocation plan", h, summaryRows())));
        charts().forEach(c -> out.add(c.toDisplayData()));
        return out;
    }
}
