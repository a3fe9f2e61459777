package org.moelab.backend.models;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.moelab.baselines.DequantizedArtifact;
import org.moelab.bitsmoe.artifact.ArtifactManifest;
import org.moelab.bitsmoe.artifact.BitsMoeArtifact;
import org.moelab.model.ModelConfig;
import org.moelab.model.MoeModel;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A model as the API shows it.
 *
 * @param memory       bytes mapped from its files (page cache, not heap) and decoded onto the heap; null until loaded
 * @param quantization what the artifact's manifest records, packed BitsMoE or dequantized RTN/GPTQ/router-norm (null for a
 *                     plain checkpoint)
 * @param architecture config and sizes (only on GET /v1/models/{id})
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelView(String id, String path, String kind, String state, String origin, boolean isDefault, String error,
                        String busyWith, Memory memory, Double loadSeconds, String loadedAt, Map<String, Object> quantization,
                        Map<String, Object> architecture) {

    public record Memory(long mappedBytes, long heapBytes) {
    }

    public static ModelView of(ModelEntry e, boolean isDefault, boolean withArchitecture) {
        ModelEntry.Runtime r = e.runtime;
        Map<String, Object> q = null;
        if (e.kind == ModelEntry.Kind.BITSMOE_ARTIFACT) {
            try {
                q = quantization(r != null ? r.loaded().manifest() : BitsMoeArtifact.readManifest(e.dir));
            } catch (RuntimeException ex) {
                q = Map.of("error", String.valueOf(ex.getMessage()));
            }
        } else if (e.kind == ModelEntry.Kind.MOBIE_ARTIFACT) {
            try {
                q = quantization(org.moelab.mobie.artifact.MobieArtifact.readManifest(e.dir));
            } catch (RuntimeException ex) {
                q = Map.of("error", String.valueOf(ex.getMessage()));
            }
        } else if (e.kind == ModelEntry.Kind.DEQUANTIZED_ARTIFACT) {
            try {
                q = quantization(DequantizedArtifact.readManifest(e.dir));
            } catch (IOException | RuntimeException ex) {
                q = Map.of("error", String.valueOf(ex.getMessage()));
            }
        }
        return new ModelView(e.id, e.dir.toString(), e.kind.name().toLowerCase(Locale.ROOT), e.state.name().toLowerCase(Locale.ROOT),
                e.origin, isDefault, e.error, e.busyWith(), r == null ? null : new Memory(r.mappedBytes(), r.heapBytes()),
                r == null ? null : r.loadSeconds(), r == null ? null : r.loadedAt().toString(), q,
                withArchitecture && r != null ? architecture(r.loaded().model()) : null);
    }

    static Map<String, Object> quantization(ArtifactManifest m) {
        Map<String, Object> q = new LinkedHashMap<>();
        q.put("method", m.method());
        q.put("budgetBits", m.budgetBits());
        q.put("mode", m.mode());
        q.put("bitsPayload", m.bitsPayload());
        q.put("bitsWithScales", m.bitsWithScales());
        q.put("bitsWithBasis", m.bitsWithBasis());
        q.put("layers", m.layers());
        q.put("rank", m.rank());
        q.put("groupSize", m.groupSize());
        q.put("bytes", m.bytes());
        q.put("sourceModel", m.sourceModel());
        q.put("calibration", m.calibrationName());
        q.put("solver", m.solver());
        return q;
    }

    /** A packed MoBiE artifact: the components, bits in both conventions (papers': sign planes; honest: everything). */
    static Map<String, Object> quantization(org.moelab.mobie.artifact.MobieManifest m) {
        Map<String, Object> q = new LinkedHashMap<>();
        q.put("method", m.method());
        q.put("format", m.format());
        q.put("components", m.components());
        q.put("bitsPayload", m.bitsPaper());
        q.put("bitsWithScales", m.bitsWithBitmaps());
        q.put("bitsHonest", m.bitsHonest());
        q.put("layers", m.layers());
        q.put("bytes", m.bytes());
        q.put("sourceModel", m.sourceModel());
        q.put("calibration", m.calibrationName());
        return q;
    }

    /** A dequantized (simulation) artifact: method, bits, realised bits; the weights on disk are fp32. */
    static Map<String, Object> quantization(DequantizedArtifact.Manifest m) {
        Map<String, Object> q = new LinkedHashMap<>();
        q.put("method", m.method());
        q.put("format", m.format());
        q.put("bits", m.bits());
        q.put("bitsPayload", m.bitsPayload());
        q.put("bitsWithScales", m.bitsWithScales());
        q.put("groupSize", m.groupSize());
        q.put("sourceModel", m.sourceModel());
        q.put("calibration", m.calibrationName());
        q.put("note", m.note());
        return q;
    }

    static Map<String, Object> architecture(MoeModel m) {
        ModelConfig c = m.config();
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("modelType", c.modelType());
        a.put("layers", c.layers());
        a.put("hiddenSize", c.hidden());
        a.put("attentionHeads", c.heads());
        a.put("kvHeads", c.kvHeads());
        a.put("headDim", c.headDim());
        a.put("experts", c.experts());
        a.put("expertsPerToken", c.topK());
        a.put("expertIntermediate", c.expertIntermediate());
        a.put("sharedExpertIntermediate", c.sharedIntermediate());
        a.put("denseLayers", c.denseLayers());
        a.put("vocabSize", c.vocabSize());
        a.put("maxPositions", c.maxPositions());
        a.put("torchDtype", c.torchDtype());
        long params = 0;
        for (var t : m.checkpoint().tensors()) params += t.elements();
        a.put("parameters", params);
        a.put("routedExpertParameters", m.routedExpertParameters());
        a.put("tensors", m.checkpoint().tensors().size());
        a.put("bytes", m.checkpoint().totalBytes());
        return a;
    }
}
