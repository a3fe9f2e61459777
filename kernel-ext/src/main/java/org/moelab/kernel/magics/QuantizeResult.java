package org.moelab.kernel.magics;

import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import org.moelab.kernel.render.Chart;
import org.moelab.kernel.render.Html;
import org.moelab.kernel.render.Rich;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What %moe-quantize produced: the decomposition (stages decompose, all), the allocation plan (allocate, quantize,
 * all) and the quantized artifact (quantize, all). Stages not run are null.
 */
public record QuantizeResult(String model, String method, double bits, String stage, Decomposition decomposition, Plan plan,
                             Artifact artifact) implements Rich {

    /** The quantization job's result: the artifact registered as a model, planned vs achieved bits, time per stage. */
    /**
     * @param method bitsmoe, rtn, gptq or routernorm (null from a backend that predates the baselines)
     * @param note   what the artifact is, when the backend says (e.g. a dequantized simulation checkpoint)
     */
    public record Artifact(String model, String path, String sourceModel, String method, double plannedPayloadBits,
                           double achievedPayloadBits, double achievedBitsWithScales, double bitsWithBasis, long bytes, double seconds,
                           List<StageTime> stages, List<String> fallbacks, String note) {
    }

    public record StageTime(String stage, double seconds, long peakHeapBytes) {
    }

    /** The artifact's model id (usable in %moe-generate --models), or null. */
    public String artifactId() {
        return artifact == null ? null : artifact.model();
    }

    static List<List<Object>> artifactRows(Artifact a) {
        List<List<Object>> rows = new ArrayList<>();
        rows.add(List.of("artifact (model id)", a.model()));
        rows.add(List.of("path", a.path()));
        rows.add(List.of("source model", a.sourceModel()));
        if (a.method() != null) rows.add(List.of("method", a.method()));
        rows.add(List.of("payload bits planned → achieved", Plan.f(a.plannedPayloadBits()) + " → " + Plan.f(a.achievedPayloadBits())));
        rows.add(List.of("bits with scales / with basis", Plan.f(a.achievedBitsWithScales()) + " / " + Plan.f(a.bitsWithBasis())));
        rows.add(List.of("size", ModelList.mib(a.bytes())));
        rows.add(List.of("time", String.format(Locale.ROOT, "%.1f s", a.seconds())));
        if (a.stages() != null) {
            for (StageTime s : a.stages()) {
                rows.add(List.of("  stage " + s.stage(), String.format(Locale.ROOT, "%.2f s, peak heap %s", s.seconds(),
                        ModelList.mib(s.peakHeapBytes()))));
            }
        }
        if (a.fallbacks() != null) a.fallbacks().forEach(f -> rows.add(List.of("fallback", f)));
        if (a.note() != null) rows.add(List.of("note", a.note()));
        return rows;
    }

    static DisplayData artifactTable(Artifact a) {
        String caption = "Quantized: " + a.model();
        List<String> h = List.of("", "");
        return Rich.of(Html.textTable(caption, h, artifactRows(a)), Html.table(caption, h, artifactRows(a)));
    }

    private String caption() {
        return String.format(Locale.ROOT, "%%moe-quantize %s of %s at %.3f bits (stage %s)", method, model, bits, stage);
    }

    @Override
    public DisplayData toDisplayData() {
        StringBuilder text = new StringBuilder(caption()).append('\n');
        StringBuilder html = new StringBuilder("<h4>").append(Html.escape(caption())).append("</h4>");
        if (artifact != null) {
            text.append(Html.textTable(null, List.of("", ""), artifactRows(artifact)));
            html.append(Html.table("Quantized artifact", List.of("", ""), artifactRows(artifact)));
        }
        for (Rich part : parts()) {
            DisplayData d = part.toDisplayData();
            text.append(d.getData(io.github.spencerpark.jupyter.kernel.display.mime.MIMEType.TEXT_PLAIN)).append('\n');
            html.append(d.getData(io.github.spencerpark.jupyter.kernel.display.mime.MIMEType.TEXT_HTML));
        }
        return Rich.of(text.toString(), html.toString());
    }

    private List<Rich> parts() {
        List<Rich> p = new ArrayList<>();
        if (decomposition != null) p.add(decomposition);
        if (plan != null) p.add(plan);
        return p;
    }

    @Override
    public List<DisplayData> displays() {
        List<DisplayData> out = new ArrayList<>();
        if (artifact != null) out.add(artifactTable(artifact));
        for (Rich p : parts()) out.addAll(p.displays());
        return out;
    }

    /** Every chart of every stage that ran. */
    public List<Chart> charts() {
        List<Chart> out = new ArrayList<>();
        if (decomposition != null) out.addAll(decomposition.charts());
        if (plan != null) out.addAll(plan.charts());
        return out;
    }
}
