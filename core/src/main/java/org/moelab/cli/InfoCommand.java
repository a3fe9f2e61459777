package org.moelab.cli;

import org.moelab.compute.ComputeBackends;
import org.moelab.model.ModelConfig;
import org.moelab.bitsmoe.artifact.BitsMoeArtifact;
import org.moelab.model.MoeModel;
import org.moelab.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Architecture, sizes, experts, dtypes, tensor count and bytes of a checkpoint.")
final class InfoCommand implements Runnable {

    @Mixin
    ModelOption model;

    @Option(names = "--json", description = "Print one JSON line instead of a table.")
    boolean json;

    @Option(names = "--compute", description = {"Show the compute backends found (ServiceLoader), which one is chosen and why,",
            "and its device, instead of a model; -Dmoelab.compute=cpu|opencl overrides the choice."})
    boolean compute;

    @Override
    public void run() {
        if (compute) {
            Map<String, Object> info = describeCompute();
            if (json) Json.print(info);
            else info.forEach((k, v) -> System.out.printf("%-24s %s%n", k, v));
            return;
        }
        try (BitsMoeArtifact.Loaded lm = model.open()) {
            Map<String, Object> info = describe(lm.model());
            if (lm.quantized()) {
                var q = lm.manifest();
                info.put("quantization", q.method() + " " + q.budgetBits() + " bits (" + q.mode() + "), layers " + q.layers());
                info.put("bits_payload", q.bitsPayload());
                info.put("bits_with_scales", q.bitsWithScales());
                info.put("bits_with_basis", q.bitsWithBasis());
                info.put("source_model", q.sourceModel());
            }
            if (json) {
                Json.print(info);
                return;
            }
            info.forEach((k, v) -> System.out.printf("%-24s %s%n", k, v));
        }
    }

    static Map<String, Object> describeCompute() {
        Map<String, Object> info = new LinkedHashMap<>();
        ComputeBackends.Selection s = ComputeBackends.selection();
        info.put("chosen", s.chosen().name());
        info.put("requested", s.requested() + " (-D" + ComputeBackends.PROPERTY + ")");
        info.put("reason", s.reason());
        info.put("device", s.chosen().probe().device());
        for (ComputeBackends.Found f : s.found()) {
            var p = f.probe();
            info.put("backend." + f.backend().name(), (p.usable() ? "usable" : "unusable") + (p.automatic() ? ", automatic" : ", on request only")
                    + "; priority " + f.backend().priority() + "; " + p.device() + "; " + p.reason());
        }
        return info;
    }

    static Map<String, Object> describe(MoeModel m) {
        ModelConfig c = m.config();
        Map<String, Long> dtypes = new TreeMap<>();
        long params = 0;
        for (Tensor t : m.checkpoint().tensors()) {
            dtypes.merge(t.dtype().name(), t.elements(), Long::sum);
            params += t.elements();
        }
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("model", m.source().toString());
        info.put("architecture", c.modelType());
        info.put("layers", c.layers());
        info.put("hidden_size", c.hidden());
        info.put("attention_heads", c.heads());
        info.put("kv_heads", c.kvHeads());
        info.put("head_dim", c.headDim());
        info.put("experts", c.experts());
        info.put("experts_per_token", c.topK());
        info.put("expert_intermediate", c.expertIntermediate());
        info.put("shared_expert_intermediate", c.sharedIntermediate());
        info.put("dense_layers", c.denseLayers().toString());
        info.put("vocab_size", c.vocabSize());
        info.put("max_positions", c.maxPositions());
        info.put("parameters", params);
        info.put("routed_expert_parameters", m.routedExpertParameters());
        info.put("dtypes", dtypes.toString());
        info.put("tensors", m.checkpoint().tensors().size());
        info.put("bytes", m.checkpoint().totalBytes());
        info.put("files", m.checkpoint().files().size());
        info.put("torch_dtype", c.torchDtype());
        return info;
    }
}
