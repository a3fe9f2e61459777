package org.moelab.backend.stages;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.moelab.backend.api.ApiException;
import org.moelab.backend.api.Check;
import org.moelab.backend.config.Locations;
import org.moelab.backend.jobs.Job;
import org.moelab.backend.jobs.JobService;
import org.moelab.backend.models.ModelEntry;
import org.moelab.backend.models.ModelRegistry;
import org.moelab.eval.ModelComparison;
import org.moelab.eval.ModelScorer;
import org.moelab.eval.TaskResult;
import org.moelab.eval.ZeroShot;
import org.moelab.model.ModelConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Evaluation beyond perplexity, as jobs: zero-shot accuracy and expert shift against a reference model. */
@ApplicationScoped
public class EvaluationStages {

    static final List<Job.StageWeight> ZERO_SHOT = List.of(new Job.StageWeight("", 0, 1));
    static final List<Job.StageWeight> SHIFT = List.of(new Job.StageWeight("tokenize", 0, 0.02), new Job.StageWeight("", 0.02, 0.98));

    @Inject
    ModelRegistry registry;
    @Inject
    JobService jobs;
    @Inject
    Locations locations;
    @Inject
    Stages stages;

    public Job zeroShot(String id, StageRequests.ZeroShot req) {
        ModelEntry e = registry.find(id);
        List<String> tasks;
        try {
            tasks = ZeroShot.parseTasks(Check.text("tasks", Check.required("tasks", req.tasks())));
        } catch (IllegalArgumentException ex) {
            throw ApiException.invalid("tasks", "field 'tasks': " + ex.getMessage());
        }
        if (tasks.isEmpty()) throw ApiException.invalid("tasks", "field 'tasks' names no task");
        int limit = Check.range("limit", req.limit(), 200, 0, Integer.MAX_VALUE);
        Path root = locations.home().resolve("data/evalsets");
        if (!Files.isDirectory(root)) throw ApiException.invalid("tasks", "no evaluation sets at " + root);
        return jobs.submit("zero-shot", e, req, ZERO_SHOT, (lease, ctx) -> {
            List<TaskResult> results = ZeroShot.run(root, tasks, new ModelScorer(lease.transformer(), lease.tokenizer()), limit,
                    ctx.progress());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", lease.id());
            m.put("limit", limit);
            m.put("tasks", results);
            m.put("meanAcc", results.stream().mapToDouble(TaskResult::acc).average().orElse(Double.NaN));
            return m;
        });
    }

    public Job expertShift(String id, StageRequests.ExpertShift req) {
        ModelEntry e = registry.find(id);
        ModelEntry ref = reference(e, req.reference());
        ModelConfig cfg = Stages.config(e);
        ModelConfig refCfg = Stages.config(ref);
        if (cfg.layers() != refCfg.layers() || cfg.experts() != refCfg.experts() || cfg.topK() != refCfg.topK()) {
            throw ApiException.invalid("reference", "model " + ref.id() + " does not have the MoE shape of " + id
                    + " (layers, experts, top-k differ): no expert shift between them");
        }
        int window = Check.range("window", req.window(), Math.min(256, cfg.maxPositions()), 2, cfg.maxPositions());
        int maxTokens = Check.range("maxTokens", req.maxTokens(), 4096, 2, Integer.MAX_VALUE);
        if (req.text() != null && req.file() != null) throw ApiException.invalid("file", "give either 'text' or 'file', not both");
        Path file = null;
        if (req.text() != null) Check.text("text", req.text());
        else file = req.file() != null ? Stages.existing("file", locations.resolve(req.file())) : stages.defaultEvalText(e);
        Path source = file;
        return jobs.submit("expert-shift", e, req, SHIFT, (lease, ctx) -> {
            try (ModelRegistry.Lease refLease = registry.lease(ref.id())) {
                String text = source == null ? req.text() : Files.readString(source);
                int[] tokens = lease.tokenizer().encode(text);
                ctx.progress().update("tokenize", 1, 1);
                ModelComparison.Result r = ModelComparison.compare(refLease.transformer(), lease.transformer(), tokens,
                        ModelComparison.Options.of(window, maxTokens), ctx.progress());
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("model", lease.id());
                m.put("reference", refLease.id());
                m.put("file", source == null ? null : source.toString());
                m.put("tokens", r.tokens());
                m.put("window", r.window());
                m.put("expertShift", r.expertShift());
                m.put("kl", r.kl());
                return m;
            }
        });
    }

    /** The named reference, or the registered model an artifact was quantized from. */
    private ModelEntry reference(ModelEntry e, String requested) {
        if (requested != null) return registry.find(Check.text("reference", requested));
        Path source = Stages.sourceDir(e);
        if (source != null) {
            Path want = source.toAbsolutePath().normalize();
            for (ModelEntry m : registry.list()) {
                if (m.dir().toAbsolutePath().normalize().equals(want)) return m;
            }
            throw ApiException.invalid("reference", "the source model of " + e.id() + " (" + source + ") is not registered; "
                    + "register it (POST /v1/models) or name a 'reference'");
        }
        throw ApiException.invalid("reference", "field 'reference' is required: " + e.id() + " is not a quantized artifact, so it has "
                + "no source model to compare with");
    }
}
