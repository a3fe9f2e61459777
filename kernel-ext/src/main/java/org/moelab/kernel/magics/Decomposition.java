package org.moelab.kernel.magics;

import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import org.moelab.kernel.render.Chart;
import org.moelab.kernel.render.Html;
import org.moelab.kernel.render.Plots;
import org.moelab.kernel.render.Rich;
import org.moelab.report.Charts;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The shared-basis spectral decomposition (methods.md §1.1) as the backend's decomposition job returns it: per
 * layer and projection the normalized eigenvalue curve, its cumulative energy, and each expert's energy.
 */
public record Decomposition(String model, int rank, List<Integer> layers, List<Spectrum> spectra) implements Rich {

    /**
     * @param directionsFor  smallest k carrying 50 / 90 / 99 % of the energy ("0.5", "0.9", "0.99")
     * @param expertEnergies (E, directions) s²_{e,k}
     * @param expertTotals   (E) Σ_k s²_{e,k} over all r directions
     */
    public record Spectrum(int layer, String projection, int experts, int rank, int directions, Map<String, Integer> directionsFor,
                           double[] normalized, double[] cumulative, double[][] expertEnergies, double[] expertTotals) {
    }

    /** Above this many layers the spectrum chart shows the mean over layers instead of one line per layer. */
    static final int MAX_LINES = 6;

    public List<Spectrum> of(String projection) {
        return spectra.stream().filter(s -> s.projection().equals(projection)).toList();
    }

    /** Eigen-spectrum (log, solid) and cumulative energy (dashed) of one projection, per layer or their mean. */
    public Chart spectrumChart(String projection) {
        List<Spectrum> ss = of(projection);
        Map<String, double[]> spec = new LinkedHashMap<>();
        Map<String, double[]> cum = new LinkedHashMap<>();
        if (ss.size() <= MAX_LINES) {
            for (Spectrum s : ss) {
                spec.put("layer " + s.layer(), s.normalized());
                cum.put("layer " + s.layer(), s.cumulative());
            }
        } else {
            spec.put("mean of " + ss.size() + " layers", mean(ss, true));
            cum.put("mean of " + ss.size() + " layers", mean(ss, false));
        }
        return new Chart(projection + " spectrum", Plots.spectrum("Eigen-spectrum and cumulative energy: " + projection, spec, cum), 640, 380);
    }

    private static double[] mean(List<Spectrum> ss, boolean normalized) {
        int n = ss.stream().mapToInt(s -> (normalized ? s.normalized() : s.cumulative()).length).min().orElse(0);
        double[] m = new double[n];
        for (Spectrum s : ss) {
            double[] v = normalized ? s.normalized() : s.cumulative();
            for (int k = 0; k < n; k++) m[k] += v[k] / ss.size();
        }
        return m;
    }

    /** Each expert's share of its layer's energy in one projection: rows = layers, columns = experts. */
    public Chart energyHeatmap(String projection) {
        List<Spectrum> ss = of(projection);
        double[][] v = new double[ss.size()][];
        for (int r = 0; r < ss.size(); r++) {
            double[] t = ss.get(r).expertTotals();
            double total = 0;
            for (double x : t) total += x;
            v[r] = new double[t.length];
            for (int e = 0; e < t.length; e++) v[r][e] = total == 0 ? 0 : t[e] / total;
        }
        return new Chart(projection + " expert energy", Charts.heatmap("Expert energy share: " + projection + " (Σk s²e,k / layer total)",
                "expert", "layer (row " + Plan.rowNote(ss.stream().map(Spectrum::layer).toList()) + ")", v, "share"));
    }

    public List<Chart> charts() {
        List<Chart> out = new ArrayList<>();
        for (String p : Plan.PROJECTIONS) if (!of(p).isEmpty()) out.add(spectrumChart(p));
        for (String p : Plan.PROJECTIONS) if (!of(p).isEmpty()) out.add(energyHeatmap(p));
        return out;
    }

    private List<List<Object>> rows() {
        List<List<Object>> rows = new ArrayList<>();
        for (Spectrum s : spectra) {
            Map<String, Integer> d = s.directionsFor() == null ? Map.of() : s.directionsFor();
            rows.add(List.of(s.layer(), s.projection(), s.experts(), s.rank(), d.getOrDefault("0.5", 0), d.getOrDefault("0.9", 0),
                    d.getOrDefault("0.99", 0), String.format(Locale.ROOT, "%.4f", s.normalized().length == 0 ? 0 : s.normalized()[0])));
        }
        return rows;
    }

    private static final List<String> HEADERS = List.of("layer", "projection", "experts", "rank r", "k for 50%", "k for 90%", "k for 99%",
            "λ1/Σλ");

    private String caption() {
        return "Spectral decomposition of " + model + " (rank " + rank + ", layers " + layers + ")";
    }

    @Override
    public DisplayData toDisplayData() {
        StringBuilder html = new StringBuilder(Html.table(caption(), HEADERS, rows()));
        for (Chart c : charts()) html.append(c.inlineHtml());
        return Rich.of(Html.textTable(caption(), HEADERS, rows()), html.toString());
    }

    @Override
    public List<DisplayData> displays() {
        List<DisplayData> out = new ArrayList<>();
        out.add(Rich.of(Html.textTable(caption(), HEADERS, rows()), Html.table(caption(), HEADERS, rows())));
        charts().forEach(c -> out.add(c.toDisplayData()));
        return out;
    }
}
