package org.moelab.kernel.magics;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import org.moelab.kernel.render.Html;
import org.moelab.kernel.render.Rich;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The backend's registered models (GET /v1/models), as %moe-models shows them. */
public record ModelList(List<Model> models, long mappedBytes, long heapBytes) implements Rich {

    /**
     * One model.
     *
     * @param kind         checkpoint or bitsmoe_artifact
     * @param state        available, loading, ready, failed, unloading
     * @param quantization the artifact's manifest summary (method, bitsWithScales, ...); null for a checkpoint
     */
    public record Model(String id, String path, String kind, String state, boolean isDefault, String busyWith, Memory memory,
                        Map<String, Object> quantization, String error) {
    }

    public record Memory(long mappedBytes, long heapBytes) {
    }

    static ModelList of(JsonNode json) {
        return Json.read(json, ModelList.class);
    }

    /** The backend's default model, or null. */
    public String defaultId() {
        return models.stream().filter(Model::isDefault).map(Model::id).findFirst().orElse(null);
    }

    public List<String> ids() {
        return models.stream().map(Model::id).toList();
    }

    private List<List<Object>> rows() {
        List<List<Object>> rows = new ArrayList<>();
        for (Model m : models) {
            String q = "";
            if (m.quantization() != null) {
                Object bits = m.quantization().get("bitsWithScales");
                q = m.quantization().getOrDefault("method", "?") + (bits instanceof Number n ? String.format(Locale.ROOT, " %.3f bits", n.doubleValue()) : "");
            }
            rows.add(List.of(m.id() + (m.isDefault() ? " (default)" : ""), m.kind(), m.state() + (m.busyWith() != null ? ", busy" : ""),
                    q, m.memory() == null ? "" : mib(m.memory().mappedBytes()), m.memory() == null ? "" : mib(m.memory().heapBytes())));
        }
        return rows;
    }

    private static final List<String> HEADERS = List.of("model", "kind", "state", "quantization", "mapped", "heap");

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    @Override
    public DisplayData toDisplayData() {
        String caption = models.size() + " model(s); mapped " + mib(mappedBytes) + ", heap " + mib(heapBytes);
        return Rich.of(Html.textTable(caption, HEADERS, rows()), Html.table(caption, HEADERS, rows()));
    }
}
