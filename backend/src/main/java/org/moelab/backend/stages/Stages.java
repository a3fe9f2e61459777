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
import org.moelab.baselines.DequantizedArtifact;
import org.moelab.baselines.DequantizedExperts;
import org.moelab.baselines.GptqQuantizer;
import org.moelab.baselines.MinMaxGroupQuantizer;
import org.moelab.baselines.Rtn;
import org.moelab.baselines.routernorm.RouterNormMixedPrecision;
import org.moelab.bitsmoe.BitsMoe;
import org.moelab.bitsmoe.BitsMoeOptions;
import org.moelab.bitsmoe.BitsMoeRunner;
import org.moelab.bitsmoe.RunCheckpoint;
import org.moelab.bitsmoe.artifact.BitsMoeArtifact;
import org.moelab.bitsmoe.calibration.CalibrationCorpus;
import org.moelab.bitsmoe.calibration.CalibrationSet;
import org.moelab.bitsmoe.decomposition.LayerDecomposition;
import org.moelab.bitsmoe.decomposition.ProjectionFactors;
import org.moelab.checkpoint.Checkpoint;
import org.moelab.eval.Perplexity;
import org.moelab.model.ModelConfig;
import org.moelab.model.MoeModel;
import org.moelab.mobie.Mobie;
import org.moelab.mobie.artifact.MobieArtifact;
import org.moelab.mobie.artifact.MobieManifest;
import org.moelab.tokenizer.MoeTokenizer;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
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
    static final List<Job.StageWeight> BASELINE = List.of(new Job.StageWeight("calibration sample", 0, 0.02),
            new Job.StageWeight("rtn", 0.02, 0.88), new Job.StageWeight("gptq", 0.02, 0.88),
            new Job.StageWeight("glas gradients", 0.02, 0.20), new Job.StageWeight("mobie", 0.22, 0.68),
            new Job.StageWeight("write", 0.90, 0.08), new Job.StageWeight("register", 0.98, 0.02));
    /** Quantization group of rtn, gptq and routernorm (as the CLI). */
    static final int GROUP_SIZE = 128;
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
        BitsMoeOptions o = BitsMoeRequest.forDecomposition(rank, req.layers()).options(cfg);
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
            // layers stream through a temporary work directory: one layer's factors on the heap, as in the CLI
            RunCheckpoint work = RunCheckpoint.temporary();
            try {
                return PlanView.of(BitsMoeRunner.plan(model, o, cal, work, Progress.NONE));
            } finally {
                work.finish();
                registry.releaseHeavy(e, holder);
            }
        }
    }

    public Job quantization(String id, BitsMoeRequest req) {
        ModelEntry e = quantizable(id);
        ModelConfig cfg = config(e);
        String method = req.methodOrDefault();
        if (!method.equals("bitsmoe")) return baseline(e, cfg, method, req);
        BitsMoeOptions o = req.options(cfg);
        int sequences = req.sequences();
        int length = req.length(cfg);
        return submitArtifactJob(e, req, QUANTIZE, method, o.bits(),
                (lease, ctx, name, out) -> quantize(lease, ctx, o, req, sequences, length, name, out));
    }

    /** rtn, gptq, routernorm: every option validated here (422 naming the field), the work in the job. */
    private Job baseline(ModelEntry e, ModelConfig cfg, String method, BitsMoeRequest req) {
        req.checkBaselineFields(method);
        RouterNormMixedPrecision.Options rn = method.equals("routernorm") ? req.routerNormOptions(cfg) : null;
        double bits = rn != null ? rn.targetBits() : method.equals("mobie") ? req.mobieBits() : req.uniformBits(method);
        boolean calibrated = !method.equals("rtn");
        int sequences = calibrated ? req.sequences() : 0;
        int length = calibrated ? req.length(cfg) : 0;
        if (method.equals("mobie")) {
            return submitArtifactJob(e, req, BASELINE, method, bits,
                    (lease, ctx, name, out) -> quantizeMobie(lease, ctx, req, sequences, length, name, out));
        }
        return submitArtifactJob(e, req, BASELINE, method, bits,
                (lease, ctx, name, out) -> quantizeBaseline(lease, ctx, method, bits, rn, req, sequences, length, name, out));
    }

    /** MoBiE, written as its packed artifact (sign planes, bitmaps, fp16 α/μ, 8-bit CEJD backbones) and registered. */
    private Object quantizeMobie(ModelRegistry.Lease lease, JobService.Context ctx, BitsMoeRequest req, int sequences, int length,
                                 String name, Path out) throws IOException {
        MoeModel model = lease.loaded().model();
        Laps laps = new Laps();
        return keepOrClean(name, out, () -> {
            CalibrationSet cal = CalibrationCorpus.sample(lease.tokenizer(), corpora(), sequences, length, req.seedOrDefault(), 0.05);
            ctx.progress().update("calibration sample", 1, 1);
            laps.lap("calibration sample");
            Mobie.Options o = req.mobieOptions();
            Mobie.Result r = Mobie.quantize(model, cal, o, ctx.progress());
            laps.lap("mobie");
            ctx.progress().update("write", 0, 1);
            MobieManifest m = MobieArtifact.write(out, model, r, o, cal);
            ctx.progress().update("write", 1, 1);
            laps.lap("write");
            registerArtifact(out, name, ctx);
            laps.lap("register");
            Map<String, Object> res = artifactResult(name, out, lease);
            res.put("method", "mobie");
            res.put("format", m.format());
            res.put("components", m.components());
            res.put("bits", 1.0);
            res.put("plannedPayloadBits", m.bitsPaper());
            res.put("achievedPayloadBits", m.bitsPaper());
            res.put("achievedBitsWithScales", m.bitsWithBitmaps());
            res.put("bitsWithBasis", m.bitsHonest());
            res.put("bytes", m.bytes());
            res.put("seconds", laps.total());
            res.put("stages", laps.stages());
            res.put("fallbacks", List.of());
            res.put("note", "MoBiE " + m.components() + ": " + r.bits().describe());
            return res;
        });
    }

    /** The work inside an artifact job, once the artifact is registered; anything else leaves nothing behind. */
    @FunctionalInterface
    private interface Kept {
        Object run() throws IOException;
    }

    /** Runs {@code work}; if it does not finish (failure, cancel), forgets the registration and deletes {@code out}. */
    private Object keepOrClean(String name, Path out, Kept work) throws IOException {
        boolean kept = false;
        try {
            Object r = work.run();
            kept = true;
            return r;
        } finally {
            if (!kept) {
                if (registry.contains(name)) registry.forget(registry.find(name));
                FileOps.deleteTree(out);
            }
        }
    }

    /** The first fields of every quantization result: the new model's id, its directory and the source model. */
    private static Map<String, Object> artifactResult(String name, Path out, ModelRegistry.Lease source) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("model", name);
        r.put("path", out.toString());
        r.put("sourceModel", source.id());
        return r;
    }

    /** Registers a written artifact as model {@code name} and verifies it loads (unless that would pass the memory limit). */
    private ModelEntry registerArtifact(Path out, String name, JobService.Context ctx) {
        ctx.progress().update("register", 0, 1);
        ModelEntry artifact = registry.register(out, name, "artifact").entry();
        if (registry.fitsMemoryLimit(artifact)) registry.awaitLoaded(artifact);
        ctx.progress().update("register", 1, 1);
        return artifact;
    }

    /** The work of a quantization job once its artifact name is reserved. */
    @FunctionalInterface
    private interface ArtifactWork {
        Object run(ModelRegistry.Lease lease, JobService.Context ctx, String name, Path out) throws Exception;
    }

    /** Reserves the artifact name (409 when a model, a directory or another job has it) and submits the job. */
    private Job submitArtifactJob(ModelEntry e, BitsMoeRequest req, List<Job.StageWeight> stages, String method, double bits,
                                  ArtifactWork work) {
        String name = req.name() != null ? Check.name("name", req.name())
                : e.id() + "-" + method + "-" + fmt(bits) + "b-" + UUID.randomUUID().toString().substring(0, 6);
        Path out = locations.artifacts().resolve(name);
        if (registry.contains(name)) throw ApiException.conflict("model_id_taken", "a model named '" + name + "' exists; choose another name");
        if (Files.exists(out)) throw ApiException.conflict("artifact_exists", "an artifact directory " + out + " exists; choose another name");
        if (!reservedNames.add(name)) throw ApiException.conflict("artifact_exists", "another job is writing artifact '" + name + "'");
        try {
            return jobs.submit("quantization", e, req, stages, (lease, ctx) -> {
                try {
                    return work.run(lease, ctx, name, out);
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
        // a cancelled or failed run leaves nothing behind (core already removed its temporary directory)
        return keepOrClean(name, out, () -> {
            CalibrationSet cal = CalibrationCorpus.sample(lease.tokenizer(), corpora(), sequences, length, req.seedOrDefault(), 0.05);
            ctx.progress().update("calibration sample", 1, 1);
            RunCheckpoint work = RunCheckpoint.temporary();   // one layer's factors on the heap at a time
            BitsMoeRunner.Planned p;
            BitsMoeRunner.Summary s;
            try {
                p = BitsMoeRunner.plan(model, o, cal, work, ctx.progress());
                s = BitsMoeRunner.quantize(model, p, out, work, ctx.progress());
            } finally {
                work.finish();
            }
            registerArtifact(out, name, ctx);
            Map<String, Object> r = artifactResult(name, out, lease);
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
        });
    }

    /**
     * RTN, GPTQ or router-norm in memory, saved as a dequantized fp32 (simulation) checkpoint and registered. The
     * result has the shape of a BitsMoE result where it can (planned/achieved bits, bytes, stages, fallbacks).
     */
    private Object quantizeBaseline(ModelRegistry.Lease lease, JobService.Context ctx, String method, double bits,
                                    RouterNormMixedPrecision.Options rn, BitsMoeRequest req, int sequences, int length, String name,
                                    Path out) throws IOException {
        MoeModel model = lease.loaded().model();
        Laps laps = new Laps();
        // a cancelled or failed run leaves nothing behind (core writes into a temporary directory it removes)
        return keepOrClean(name, out, () -> {
            CalibrationSet cal = null;
            if (!method.equals("rtn")) {
                cal = CalibrationCorpus.sample(lease.tokenizer(), corpora(), sequences, length, req.seedOrDefault(), 0.05);
                ctx.progress().update("calibration sample", 1, 1);
                laps.lap("calibration sample");
            }
            List<List<DequantizedExperts.Expert>> experts;
            double payload = bits;
            List<Map<String, Object>> layers = new ArrayList<>();
            List<String> fallbacks = new ArrayList<>();
            switch (method) {
                case "rtn" -> experts = Rtn.quantize(model, new MinMaxGroupQuantizer((int) bits, GROUP_SIZE, false), ctx.progress());
                case "gptq" -> {
                    GptqQuantizer.Result g = GptqQuantizer.quantize(model, cal, GptqQuantizer.Options.defaults((int) bits), ctx.progress());
                    for (GptqQuantizer.LayerReport r : g.layers()) layers.add(gptqLayer(r, fallbacks));
                    experts = g.experts();
                }
                default -> {
                    RouterNormMixedPrecision.Result r = RouterNormMixedPrecision.run(model, cal, rn, ctx.progress());
                    for (RouterNormMixedPrecision.LayerReport lr : r.layers()) {
                        Map<String, Object> m = gptqLayer(lr.gptq(), fallbacks);
                        m.put("levels", lr.plan().tiers().levels());
                        m.put("counts", lr.plan().tiers().counts());
                        m.put("expertBits", lr.plan().bits());
                        layers.add(m);
                    }
                    payload = r.plan().realisedAverage();
                    experts = r.experts();
                }
            }
            laps.lap(method);
            ctx.progress().update("write", 0, 1);
            DequantizedArtifact.Manifest m = DequantizedArtifact.write(out, model, experts, method, bits, payload, GROUP_SIZE, cal);
            ctx.progress().update("write", 1, 1);
            laps.lap("write");
            registerArtifact(out, name, ctx);
            laps.lap("register");
            Map<String, Object> r = artifactResult(name, out, lease);
            r.put("method", method);
            r.put("format", m.format());
            r.put("bits", bits);
            r.put("plannedPayloadBits", bits);
            r.put("achievedPayloadBits", m.bitsPayload());
            r.put("achievedBitsWithScales", m.bitsWithScales());
            r.put("bitsWithBasis", m.bitsWithScales()); // no shared basis: the same as with scales
            r.put("groupSize", m.groupSize());
            r.put("bytes", Files.size(out.resolve(Checkpoint.SINGLE_FILE)));
            r.put("seconds", laps.total());
            r.put("stages", laps.stages());
            r.put("fallbacks", fallbacks);
            r.put("layers", layers);
            r.put("note", m.note());
            return r;
        });
    }

    private static Map<String, Object> gptqLayer(GptqQuantizer.LayerReport r, List<String> fallbacks) {
        if (!r.rtnFallbackExperts().isEmpty()) {
            fallbacks.add("layer " + r.layer() + ": experts " + r.rtnFallbackExperts()
                    + " had too few routed calibration tokens for GPTQ; rounded to nearest instead");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("layer", r.layer());
        m.put("loss", r.loss());
        m.put("seconds", r.seconds());
        m.put("rtnFallbackExperts", r.rtnFallbackExperts());
        return m;
    }

    /** Wall time and peak heap per stage, as BitsMoE reports them. */
    private static final class Laps {
        private final List<BitsMoeRunner.StageTime> stages = new ArrayList<>();
        private long t0 = System.nanoTime();

        Laps() {
            ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
        }

        void lap(String stage) {
            long now = System.nanoTime();
            long peak = 0;
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) peak += pool.getPeakUsage().getUsed();
                pool.resetPeakUsage();
            }
            stages.add(new BitsMoeRunner.StageTime(stage, (now - t0) / 1e9, peak));
            t0 = now;
        }

        List<BitsMoeRunner.StageTime> stages() {
            return stages;
        }

        double total() {
            return stages.stream().mapToDouble(BitsMoeRunner.StageTime::seconds).sum();
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
    Path defaultEvalText(ModelEntry e) {
        Path own = e.dir().resolve("val.txt");
        if (Files.isRegularFile(own)) return own;
        Path source = sourceDir(e);
        if (source != null) {
            Path src = source.resolve("val.txt");
            if (Files.isRegularFile(src)) return src;
        }
        return existing("file", locations.home().resolve("data/wikitext2/wiki.test.raw"));
    }

    /** The directory of the model an artifact was quantized from (null for a plain checkpoint or when unknown). */
    static Path sourceDir(ModelEntry e) {
        String source = switch (e.kind()) {
            case BITSMOE_ARTIFACT -> BitsMoeArtifact.readManifest(e.dir()).sourceModel();
            case MOBIE_ARTIFACT -> org.moelab.mobie.artifact.MobieArtifact.readManifest(e.dir()).sourceModel();
            case DEQUANTIZED_ARTIFACT -> {
                try {
                    yield DequantizedArtifact.readManifest(e.dir()).sourceModel();
                } catch (IOException ex) {
                    yield null;
                }
            }
            case CHECKPOINT -> null;
        };
        return source == null ? null : Path.of(source);
    }

    CalibrationSet calibration(MoeTokenizer tok, BitsMoeRequest req, ModelConfig cfg) {
        return CalibrationCorpus.sample(tok, corpora(), req.sequences(), req.length(cfg), req.seedOrDefault(), 0.05);
    }

    List<Path> corpora() {
        List<Path> files = new ArrayList<>();
        for (String f : CalibrationCorpus.DEFAULT_FILES) files.add(existing("calibration", locations.home().resolve(f)));
        return files;
    }

    ModelEntry quantizable(String id) {
        ModelEntry e = registry.find(id);
        if (e.kind() == ModelEntry.Kind.BITSMOE_ARTIFACT) {
            throw ApiException.unprocessable("already_quantized", "model " + id + " is a quantized artifact; its routed experts are "
                    + "factorized already. Run the stage on its source model.", null);
        }
        if (e.kind() == ModelEntry.Kind.MOBIE_ARTIFACT) {
            throw ApiException.unprocessable("already_quantized", "model " + id + " is a MoBiE artifact; its routed experts are "
                    + "binarized already. Run the stage on its source model.", null);
        }
        if (e.kind() == ModelEntry.Kind.DEQUANTIZED_ARTIFACT) {
            throw ApiException.unprocessable("already_quantized", "model " + id + " is a quantized (dequantized simulation) artifact; "
                    + "its routed experts hold quantized values already. Run the stage on its source model.", null);
        }
        return e;
    }

    /** The model's config (read from config.json: no load needed to validate a request). */
    static ModelConfig config(ModelEntry e) {
        return org.moelab.model.ModelLoader.readConfig(e.dir().resolve("config.json"));
    }

    static Path existing(String field, Path p) {
        if (!Files.isRegularFile(p)) throw ApiException.invalid(field, "file not found: " + p + " (paths are relative to moelab.home)");
        return p;
    }

    static String fmt(double bits) {
        return bits == Math.rint(bits) ? Long.toString((long) bits) : String.format(Locale.ROOT, "%s", bits);
    }
}
