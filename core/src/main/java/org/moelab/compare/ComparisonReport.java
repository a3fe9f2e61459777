package org.moelab.compare;

import org.jfree.chart.JFreeChart;
import org.moelab.bitsmoe.StageJson;
import org.moelab.checkpoint.CheckpointWriter;
import org.moelab.report.Charts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/** A comparison as a markdown table with its caption, as JSON, and as a quality-vs-bits chart (SVG and PNG). */
public final class ComparisonReport {

    private ComparisonReport() {
    }

    public static String markdown(Comparison.Table t) {
        TreeSet<String> tasks = new TreeSet<>();
        t.rows().forEach(r -> tasks.addAll(r.tasks().keySet()));
        StringBuilder s = new StringBuilder();
        s.append("| method | bits | payload | +scales | +basis | ppl | KL vs FP | same top-1 % | expert shift % |");
        tasks.forEach(k -> s.append(' ').append(k).append(" acc |"));
        s.append(" quant s | note |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        tasks.forEach(k -> s.append("---:|"));
        s.append("---:|---|\n");
        for (MethodResult r : t.rows()) {
            s.append("| ").append(r.method()).append(" | ").append(num(r.bits(), 2)).append(" | ")
                    .append(num(r.bitsPayload(), 3)).append(" | ").append(num(r.bitsWithScales(), 3)).append(" | ")
                    .append(num(r.bitsWithBasis(), 3)).append(" | ").append(num(r.ppl(), 3)).append(" | ")
                    .append(num(r.klMean(), 4)).append(" | ").append(num(r.sameTopPct(), 1)).append(" | ")
                    .append(r.expertShift() == null ? "–" : num(100 * r.expertShift(), 2)).append(" |");
            for (String k : tasks) s.append(' ').append(r.tasks().containsKey(k) ? num(100 * r.tasks().get(k), 1) : "–").append(" |");
            s.append(' ').append(num(r.quantSeconds(), 1)).append(" | ").append(r.note() == null ? "" : r.note()).append(" |\n");
        }
        s.append("\n").append(t.caption()).append("\n");
        return s.toString();
    }

    /** Perplexity against realised payload bits, one line per method; FP as a flat reference line. */
    public static JFreeChart chart(Comparison.Table t) {
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        Double fp = null;
        for (MethodResult r : t.rows()) {
            if (r.ppl() == null) continue;
            if (r.method().equals("fp")) {
                fp = r.ppl();
                continue;
            }
            double x = r.bitsPayload() != null ? r.bitsPayload() : r.bits();
            series.computeIfAbsent(r.method(), k -> new ArrayList<>()).add(new double[] {x, r.ppl()});
            lo = Math.min(lo, x);
            hi = Math.max(hi, x);
        }
        Map<String, double[][]> pts = new LinkedHashMap<>();
        series.forEach((k, v) -> pts.put(k, v.toArray(new double[0][])));
        if (fp != null && lo <= hi) pts.put("fp", new double[][] {{lo, fp}, {hi, fp}});
        return Charts.lines("Perplexity vs bits per routed-expert weight", "average bits (payload)", "perplexity", pts, true);
    }

    /** Writes compare.md, compare.json, compare.svg and compare.png into {@code dir}, each atomically. */
    public static List<Path> write(Comparison.Table t, Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        Path md = dir.resolve("compare.md");
        Path json = dir.resolve("compare.json");
        Path svg = dir.resolve("compare.svg");
        Path png = dir.resolve("compare.png");
        CheckpointWriter.writeText(md, markdown(t));
        CheckpointWriter.writeText(json, StageJson.toJson(t));
        JFreeChart c = chart(t);
        CheckpointWriter.writeText(svg, Charts.svg(c, 800, 500));
        try {
            Path tmp = Files.createTempFile(dir, ".compare", ".png");
            Files.write(tmp, Charts.png(c, 800, 500));
            Files.move(tmp, png, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + png + ": " + e.getMessage(), e);
        }
        return List.of(md, json, svg, png);
    }

    private static String num(Double v, int digits) {
        return v == null ? "–" : String.format(Locale.ROOT, "%." + digits + "f", v);
    }
}
