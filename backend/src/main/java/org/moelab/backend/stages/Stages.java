package org.moelab.backend.stages;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.moelab.Progress;
import org.moelab.backend.api.ApiException;
import org.moelab.backend.api.Check;
import org.moelab.backend.config.Locations;
import org.moelab.backend.jobs.Job;
import org.moelab.backend.jobs.JobService;
import org.moelab.backend.models.ModelEntry;
import org.moelab.backend.models.ModelRegistry;
import org.moelab.backend.util.FileOps;
import org.moelab.bitsmoe.BitsMoe;
import org.moelab.bitsmoe.BitsMoeOptions;
import org.moelab.bitsmoe.BitsMoeRunner;
import org.moelab.bitsmoe.artifact.BitsMoeArtifact;
import org.moelab.bitsmoe.calibration.CalibrationCorpus;
import org.moelab.bitsmoe.calibration.CalibrationSet;
import org.moelab.bitsmoe.decomposition.LayerDecomposition;
import org.moelab.bitsmoe.decomposition.ProjectionFactors;
import org.moelab.eval.Perplexity;
import org.moelab.model.ModelConfig;
import org.moelab.model.MoeModel;
import org.moelab.tokenizer.MoeTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** The stage work itself: core calls wrapped as jobs (or, for the allocation dry run, run in the request). */
@ApplicationScoped
public class Stages {

    static final List<Job.StageWeight> QUANTIZE = List.of(new Job.StageWeight("calibration sample", 0, 0.02),
            new Job.StageWeight("decompose", 0.02, 0.20), new Job.StageWeight("calibrate", 0.22, 0.25),
            new Job.StageWeight("cost", 0.47, 0.38), new Job.StageWeight("allocation", 0.85, 0.03),
            new Job.StageWeight("pack", 0.88, 0.07), new Job.StageWeight("write", 0.95, 0.03),
            new Job.StageWeight("register", 0.98, 0.02));
    static final List<Job.StageWeight> DECOMPOSE = List.of(new Job.StageWeight("decompose", 0, 1));
    static final List<Job.StageWeight> PPL = List.of(new Job.StageWeight("tokenize", 0, 0.05), new Job.StageWeight("perplexity", 0.05, 0.95));

    @Inject
    ModelRegistry registry;
    @Inject
    JobService jobs;
    @Inject
    Locations locations;

    private final Set<String> reservedNames = ConcurrentHashMap.newKeySet();

    public Job decomposition(String id, StageRequests.Decomposition req) {
        ModelEntry e = quantizable(id);
        ModelConfig cfg = config(e);
        int rank = Check.range("rank", req.rank(), 0, 0, cfg.hidden());
        int maxDirections = Check.range("maxDirections", req.maxDirections(), 64, 1, cfg.hidden());
        BitsMoeOptions o = new BitsMoeRequest(0.0, null, null, rank, null, null, null, null, null, null, req.layers(), null, null,
                null, null).options(cfg);
        return jobs.submit("decomposition", e, req, DECOMPOSE, (lease, ctx) -> {
            MoeModel model = lease.loaded().model();
            BitsMoe b = new BitsMoe(o);
            List<Integer> layers = b.layers(model);
            List<SpectrumView> spectra = new ArrayList<>();
            for (int i = 0; i < layers.size(); i++) {
                LayerDecomposition d = b.decomposeLayer(model, layers.get(i));
                for (ProjectionFactors f : d.projections()) spectra.add(SpectrumView.of(f, maxDirections));
                ctx.progress().update("decompose", i + 1, layers.size());
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("model", e.id());
            r.put("rank", b.rank(model));
            r.put("layers", layers);
            r.put("spectra", spectra);
            return r;
        });
    }

    public PlanView allocation(String id, BitsMoeRequest req) {
        try (ModelRegistry.Lease lease = registry.lease(id)) {
            ModelEntry e = quantizable(id);
            MoeModel model = lease.loaded().model();
            BitsMoeOptions o = req.options(model.config());
            CalibrationSet cal = calibration(lease.tokenizer(), req, model.config());
            String holder = "a synchronous allocation request";
            registry.claimHeavy(e, holder);
            try {
                return PlanView.of(BitsMoeRunner.plan(model, o, cal, Progress.NONE));
            } finally {
                registry.releaseHeavy(e, holder);
            }
        }
    }

    public Job quantization(String id, BitsMoeRequest req) {
        ModelEntry e = quantizable(id);
        ModelConfig cfg = config(e);
        req.methodOrDefault();
        BitsMoeOptions o = req.options(cfg);
        int sequences = req.sequences();
        int length = req.length(cfg);
        String name = req.name() != null ? Check.name("name", req.name())
                : e.id() + "-bitsmoe-" + fmt(o.bits()) + "b-" + UUID.randomUUID().toString().substring(0, 6);
        Path out = locations.artifacts().resolve(name);
        if (registry.contains(name)) throw ApiException.conflict("model_id_taken", "a model named '" + name + "' exists; choose another name");
        if (Files.exists(out)) throw ApiException.conflict("artifact_exists", "an artifact directory " + out + " exists; choose another name");
        if (!reservedNames.add(name)) throw ApiException.conflict("artifact_exists", "another job is writing artifact '" + name + "'");
        try {
            return jobs.submit("quantization", e, req, QUANTIZE, (lease, ctx) -> {
                try {
                    return quantize(lease, ctx, o, req, sequences, length, name, out);
                } finally {
                    reservedNames.remove(name);
                }
            });
        } catch (RuntimeException ex) {
            reservedNames.remove(name);
            throw ex;
        }
    }

    private Object quantize(ModelRegistry.Lease lease, JobService.Context ctx, BitsMoeOptions o, BitsMoeRequest req, int sequences,
                            int length, String name, Path out) throws IOException {
        MoeModel model = lease.loaded().model();
        boolean kept = false;
        ModelEntry artifact = null;
        try {
            CalibrationSet cal = CalibrationCorpus.sample(lease.tokenizer(), corpora(), sequences, length, req.seedOrDefault(), 0.05);
            ctx.progress().update("calibration sample", 1, 1);
            BitsMoeRunner.Planned p = BitsMoeRunner.plan(model, o, cal, ctx.progress());
            BitsMoeRunner.Summary s = BitsMoeRunner.quantize(model, p, out, ctx.progress());
            ctx.progress().update("register", 0, 1);
            artifact = registry.register(out, name, "artifact").entry();
            registry.awaitLoaded(artifact);
            ctx.progress().update("register", 1, 1);
            kept = true;
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("model", name);
            r.put("path", out.toString());
            r.put("sourceModel", lease.id());
            r.put("plannedPayloadBits", s.plannedPayloadBits());
            r.put("achievedPayloadBits", s.achievedPayloadBits());
            r.put("achievedBitsWithScales", s.achievedBitsWithScales());
            r.put("bitsWithBasis", s.manifest().bitsWithBasis());
            r.put("bytes", s.manifest().bytes());
            r.put("seconds", s.seconds());
            r.put("stages", s.stages());
            r.put("fallbacks", s.fallbacks());
            r.put("plan", PlanView.of(p));
            return r;
        } finally {
            // a cancelled or failed run leaves nothing behind (core already removed its temporary directory)
            if (!kept) {
                if (artifact != null) registry.forget(artifact);
                FileOps.deleteTree(out);
            }
        }
    }

    public Job perplexity(String id, StageRequests.Perplexity req) {
        ModelEntry e = registry.find(id);
        ModelConfig cfg = config(e);
        int window = Check.range("window", req.window(), Math.min(256, cfg.maxPositions()), 2, cfg.maxPositions());
        int maxTokens = Check.range("maxTokens", req.maxTokens(), 8192, 0, Integer.MAX_VALUE);
        if (req.text() != null && req.file() != null) throw ApiException.invalid("file", "give either 'text' or 'file', not both");
        Path file = null;
        if (req.text() != null) Check.text("text", req.text());
        else file = req.file() != null ? existing("file", locations.resolve(req.file())) : defaultEvalText(e);
        Path source = file;
        return jobs.submit("ppl", e, req, PPL, (lease, ctx) -> {
            String text = source == null ? req.text() : Files.readString(source);
            int[] tokens = lease.tokenizer().encode(text);
            ctx.progress().update("tokenize", 1, 1);
            Perplexity.Result r = Perplexity.compute(lease.transformer(), tokens, window, maxTokens, ctx.progress());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", lease.id());
            m.put("file", source == null ? null : source.toString());
            m.put("ppl", r.ppl());
            m.put("meanNll", r.meanNll());
            m.put("predictedTokens", r.predicted());
            m.put("window", r.window());
            m.put("windows", r.windows());
            m.put("droppedTail", r.droppedTail());
            return m;
        });
    }

    /** The model's own val.txt, an artifact's source model's, else WikiText-2 test. */
    private Path defaultEvalText(ModelEntry e) {
        Path own = e.dir().resolve("val.txt");
        if (Files.isRegularFile(own)) return own;
        if (e.kind() == ModelEntry.Kind.BITSMOE_ARTIFACT) {
            Path src = Path.of(BitsMoeArtifact.readManifest(e.dir()).sourceModel()).resolve("val.txt");
            if (Files.isRegularFile(src)) return src;
        }
        return existing("file", locations.home().resolve("data/wikitext2/wiki.test.raw"));
    }

    CalibrationSet calibration(MoeTokenizer tok, BitsMoeRequest req, ModelConfig cfg) {
        return CalibrationCorpus.sample(tok, corpora(), req.sequences(), req.length(cfg), req.seedOrDefault(), 0.05);
    }

    private List<Path> corpora() {
        List<Path> files = new ArrayList<>();
        for (String f : CalibrationCorpus.DEFAULT_FILES) files.add(existing("calibration", locations.home().resolve(f)));
        return files;
    }

    private ModelEntry quantizable(String id) {
        ModelEntry e = registry.find(id);
        if (e.kind() == ModelEntry.Kind.BITSMOE_ARTIFACT) {
            throw ApiException.unprocessable("already_quantized", "model " + id + " is a quantized artifact; its routed experts are "
                    + "factorized already. Run the stage on its source model.", null);
        }
        return e;
    }

    /** The model's config (read from config.json: no load needed to validate a request). */
    private static ModelConfig config(ModelEntry e) {
        return org.moelab.model.ModelLoader.readConfig(e.dir().resolve("config.json"));
    }

    private static Path existing(String field, Path p) {
        if (!Files.isRegularFile(p)) throw ApiException.invalid(field, "file not found: " + p + " (paths are relative to moelab.home)");
        return p;
    }

    static String fmt(double bits) {
        return bits == Math.rint(bits) ? Long.toString((long) bits) : String.format(Locale.ROOT, "%s", bits);
    }
}
