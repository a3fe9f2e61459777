package org.moelab.backend.models;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import org.moelab.backend.api.ApiError;
import org.moelab.backend.api.ApiException;
import org.moelab.backend.api.Check;
import org.moelab.backend.config.Locations;
import org.moelab.backend.config.MoelabConfig;
import org.moelab.baselines.DequantizedArtifact;
import org.moelab.bitsmoe.artifact.BitsMoeArtifact;
import org.moelab.checkpoint.ArtifactDirectory;
import org.moelab.checkpoint.CheckpointException;
import org.moelab.mobie.artifact.MobieArtifact;
import org.moelab.model.ModelLoader;
import org.moelab.runtime.Transformer;
import org.moelab.tokenizer.MoeTokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

/**
 * The models this backend knows, by id: the default (teaching) model, directories registered over the API,
 * and the artifacts under the data dir (re-registered at startup). Loading is asynchronous; while a model
 * loads, users get 503 with Retry-After. A directory is registered once: asking again returns the entry.
 */
@ApplicationScoped
public class ModelRegistry {

    private static final Logger LOG = Logger.getLogger(ModelRegistry.class);

    @Inject
    MoelabConfig config;
    @Inject
    Locations locations;

    private final Map<String, ModelEntry> models = new LinkedHashMap<>();
    private final ExecutorService loader = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().name("moelab-load-", 0).daemon().factory());
    private volatile String defaultId;

    /** A model in use: close it when done so an unload can proceed. */
    public static final class Lease implements AutoCloseable {
        private final ModelEntry entry;
        private final ModelEntry.Runtime runtime;
        private boolean closed;

        Lease(ModelEntry entry, ModelEntry.Runtime runtime) {
            this.entry = entry;
            this.runtime = runtime;
        }

        public ModelEntry entry() {
            return entry;
        }

        public String id() {
            return entry.id;
        }

        public BitsMoeArtifact.Loaded loaded() {
            return runtime.loaded();
        }

        public Transformer transformer() {
            return runtime.transformer();
        }

        public MoeTokenizer tokenizer() {
            return runtime.tokenizer();
        }

        @Override
        public synchronized void close() {
            if (closed) return;
            closed = true;
            entry.users.decrementAndGet();
        }
    }

    void onStart(@Observes StartupEvent ev) {
        LOG.infof("moelab home %s, data dir %s", locations.home(), locations.data());
        Path def = locations.resolve(config.defaultModel());
        if (Files.isDirectory(def)) {
            ModelEntry e = register(def, null, "default").entry();
            defaultId = e.id;
            if (config.loadDefaultModel()) {
                try {
                    startLoad(e);
                } catch (ApiException ex) {
                    LOG.warnf("default model %s not loaded: %s", e.id, ex.getMessage());
                }
            }
        } else {
            LOG.warnf("default model %s not found (set moelab.home or moelab.default-model)", def);
        }
        cleanStaleWork(locations.artifacts());
        try (Stream<Path> s = Files.list(locations.artifacts())) {
            for (Path dir : s.sorted().toList()) {
                String name = dir.getFileName().toString();
                if (name.startsWith(".") || !kindOf(dir).artifact()) continue;
                ModelEntry e;
                try {
                    e = register(dir, name, "artifact").entry();
                } catch (ApiException ex) {
                    LOG.warnf("skipping artifact %s: %s", dir, ex.getMessage());
                    continue;
                }
                if (config.loadArtifactsAtStartup()) {
                    try {
                        startLoad(e);
                    } catch (ApiException ex) {
                        LOG.warnf("artifact %s not loaded: %s", e.id, ex.getMessage());
                    }
                }
            }
        } catch (IOException e) {
            LOG.warnf("cannot list artifacts in %s: %s", locations.artifacts(), e.getMessage());
        }
    }

    void onStop(@Observes ShutdownEvent ev) {
        loader.shutdownNow();
        synchronized (this) {
            models.values().forEach(ModelEntry::close);
        }
    }

    /** Temporary and moved-aside directories a crash left beside the artifacts (never complete artifacts). */
    static void cleanStaleWork(Path artifacts) {
        try (Stream<Path> s = Files.list(artifacts)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (n.startsWith(".") && (n.contains(".tmp-") || n.contains(".old-") || n.endsWith(".partial"))) org.moelab.backend.util.FileOps.deleteTree(p);
            }
        } catch (IOException e) {
            LOG.warnf("cannot clean %s: %s", artifacts, e.getMessage());
        }
    }

    /** What a directory holds, by its {@code moelab.json} (none: a plain checkpoint). */
    public static ModelEntry.Kind kindOf(Path dir) {
        if (DequantizedArtifact.isDequantized(dir)) return ModelEntry.Kind.DEQUANTIZED_ARTIFACT;
        if (MobieArtifact.isArtifact(dir)) return ModelEntry.Kind.MOBIE_ARTIFACT;
        return BitsMoeArtifact.isArtifact(dir) ? ModelEntry.Kind.BITSMOE_ARTIFACT : ModelEntry.Kind.CHECKPOINT;
    }

    public String defaultId() {
        return defaultId;
    }

    public record Registration(ModelEntry entry, boolean created) {
    }

    /** Registers a directory (checked: config.json readable, artifact manifest valid) or returns its existing entry. */
    public Registration register(Path dir, String requestedId, String origin) {
        Path real;
        try {
            real = dir.toRealPath();
        } catch (IOException e) {
            throw ApiException.invalid("path", "model directory " + dir + " does not exist or is unreadable");
        }
        if (!Files.isDirectory(real)) throw ApiException.invalid("path", real + " is not a directory");
        ModelEntry.Kind kind = kindOf(real);
        synchronized (this) {
            for (ModelEntry e : models.values()) {
                if (e.dir.equals(real)) return new Registration(e, false);
            }
        }
        try {
            ModelLoader.readConfig(real.resolve("config.json"));
            if (kind == ModelEntry.Kind.BITSMOE_ARTIFACT) BitsMoeArtifact.readManifest(real);
            if (kind == ModelEntry.Kind.DEQUANTIZED_ARTIFACT) DequantizedArtifact.readManifest(real);
            if (kind == ModelEntry.Kind.MOBIE_ARTIFACT) MobieArtifact.readManifest(real);
        } catch (CheckpointException e) {
            throw ApiException.invalid("path", "not a usable model directory: " + e.getMessage());
        } catch (IOException e) {
            throw ApiException.invalid("path", "not a usable model directory: unreadable " + real.resolve(ArtifactDirectory.MANIFEST)
                    + ": " + e.getMessage());
        }
        synchronized (this) {
            for (ModelEntry e : models.values()) {
                if (e.dir.equals(real)) return new Registration(e, false);
            }
            String id;
            if (requestedId != null) {
                id = Check.name("id", requestedId);
                if (models.containsKey(id)) {
                    throw ApiException.conflict("model_id_taken", "model id '" + id + "' is already used by " + models.get(id).dir);
                }
            } else {
                String base = real.getFileName().toString().replaceAll("[^A-Za-z0-9._-]", "_");
                id = base;
                for (int i = 2; models.containsKey(id); i++) id = base + "-" + i;
            }
            ModelEntry e = new ModelEntry(id, real, kind, origin);
            models.put(id, e);
            LOG.infof("registered model %s (%s) at %s", id, kind, real);
            return new Registration(e, true);
        }
    }

    /**
     * Starts loading (idempotent); the future completes when the model is READY or FAILED. A load that would take the
     * loaded models' weights beyond {@code moelab.max-loaded-bytes} is refused with 507, naming what holds the memory.
     */
    public CompletableFuture<ModelEntry> startLoad(ModelEntry e) {
        if (e.state != ModelEntry.State.READY && e.state != ModelEntry.State.LOADING) checkMemoryLimit(e);
        synchronized (e) {
            if (e.state == ModelEntry.State.READY || e.state == ModelEntry.State.LOADING) return e.loading;
            if (e.state == ModelEntry.State.UNLOADING) throw gone(e);
            e.state = ModelEntry.State.LOADING;
            e.error = null;
            e.loading = CompletableFuture.supplyAsync(() -> {
                try {
                    ModelEntry.Runtime r = ModelEntry.load(e.dir, e.kind);
                    e.runtime = r;
                    e.state = ModelEntry.State.READY;
                    LOG.infof("loaded model %s in %.2f s (%d bytes mapped)", e.id, r.loadSeconds(), r.mappedBytes());
                } catch (Throwable ex) {
                    e.error = ex.getClass().getSimpleName() + ": " + ex.getMessage();
                    e.state = ModelEntry.State.FAILED;
                    LOG.warnf(ex, "loading model %s failed", e.id);
                }
                return e;
            }, loader);
            return e.loading;
        }
    }

    /** Whether loading {@code e} now stays within moelab.max-loaded-bytes (always true without a limit). */
    public boolean fitsMemoryLimit(ModelEntry e) {
        try {
            checkMemoryLimit(e);
            return true;
        } catch (ApiException ex) {
            return false;
        }
    }

    private void checkMemoryLimit(ModelEntry e) {
        if (config.maxLoadedBytes().isEmpty()) return;
        long limit = config.maxLoadedBytes().getAsLong();
        long need = weightBytes(e.dir);
        long held = 0;
        List<String> holders = new ArrayList<>();
        for (ModelEntry o : list()) {
            if (o == e || (o.state != ModelEntry.State.READY && o.state != ModelEntry.State.LOADING)) continue;
            long b = weightBytes(o.dir);
            held += b;
            holders.add(o.id + " (" + b + " bytes)");
        }
        if (held + need > limit) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("model", e.id);
            d.put("bytes", need);
            d.put("heldBytes", held);
            d.put("limitBytes", limit);
            String msg = "model " + e.id + " needs " + need + " bytes of weights; " + held + " of the limit " + limit
                    + " (moelab.max-loaded-bytes) are held by " + (holders.isEmpty() ? "no model" : String.join(", ", holders))
                    + (need > limit ? ": it can never load under this limit; raise it" : ": unload one (DELETE /v1/models/{id}) or raise the limit");
            throw new ApiException(507, new ApiError("insufficient_storage", "model_too_large", msg, null, d), null);
        }
    }

    /** The bytes of a model directory's safetensors files (what loading maps). */
    static long weightBytes(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            long sum = 0;
            for (Path p : s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).toList()) sum += Files.size(p);
            return sum;
        } catch (IOException ex) {
            throw ApiException.invalid("path", "cannot read " + dir + ": " + ex.getMessage());
        }
    }

    /** Waits for a load; FAILED becomes a 422 carrying the loader's message. */
    public ModelEntry awaitLoaded(ModelEntry e) {
        CompletableFuture<ModelEntry> f = startLoad(e);
        try {
            f.get();
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw ApiException.unavailable("interrupted", "interrupted while loading " + e.id, config.retryAfterSeconds());
        } catch (ExecutionException ex) {
            throw new IllegalStateException(ex.getCause());
        }
        if (e.state == ModelEntry.State.FAILED) {
            throw ApiException.unprocessable("model_load_failed", "model " + e.id + " failed to load: " + e.error, null);
        }
        return e;
    }

    /** Drops an entry whose registration failed to load (the caller created it). */
    public void forget(ModelEntry e) {
        synchronized (this) {
            models.remove(e.id, e);
        }
        e.close();
    }

    public synchronized List<ModelEntry> list() {
        return new ArrayList<>(models.values());
    }

    public ModelEntry find(String id) {
        ModelEntry e;
        synchronized (this) {
            e = models.get(id);
        }
        if (e == null) {
            throw ApiException.notFound("unknown_model", "no model '" + id + "'; registered: " + String.join(", ", ids())
                    + " (register one with POST /v1/models)");
        }
        return e;
    }

    public synchronized boolean contains(String id) {
        return models.containsKey(id);
    }

    private synchronized List<String> ids() {
        return new ArrayList<>(models.keySet());
    }

    /** The model ready for use, or 503 (loading; a lazy model starts loading now), 422 (load failed), 404. */
    public Lease lease(String id) {
        ModelEntry e = find(id);
        e.users.incrementAndGet();
        ModelEntry.Runtime r = e.runtime;
        if (e.state == ModelEntry.State.READY && r != null) return new Lease(e, r);
        e.users.decrementAndGet();
        switch (e.state) {
            case AVAILABLE, LOADING -> {
                startLoad(e);
                throw ApiException.unavailable("model_loading", "model " + id + " is loading; retry shortly", config.retryAfterSeconds());
            }
            case FAILED -> throw ApiException.unprocessable("model_load_failed", "model " + id + " failed to load: " + e.error
                    + " (DELETE /v1/models/" + id + " and register it again)", null);
            default -> throw gone(e);
        }
    }

    /** Claims the model for heavy work, or 409 naming what holds it. */
    public void claimHeavy(ModelEntry e, String what) {
        String holder = e.heavy.compareAndExchange(null, what);
        if (holder != null) {
            throw ApiException.conflict("model_busy", "model " + e.id + " is busy with " + holder
                    + "; one heavy task per model at a time (wait for it, or cancel the job with DELETE /v1/jobs/{id})");
        }
    }

    public void releaseHeavy(ModelEntry e, String what) {
        e.heavy.compareAndSet(what, null);
    }

    /** Unloads and unregisters: refuses while heavy work runs, waits (bounded) for in-flight requests. */
    public void unload(String id) {
        ModelEntry e = find(id);
        synchronized (e) {
            if (e.heavy.get() != null) {
                throw ApiException.conflict("model_busy", "model " + id + " is busy with " + e.heavy.get() + "; cancel it first");
            }
            if (e.state == ModelEntry.State.UNLOADING) throw gone(e);
            if (e.state == ModelEntry.State.LOADING) {
                throw ApiException.unavailable("model_loading", "model " + id + " is loading; unload it when it is ready",
                        config.retryAfterSeconds());
            }
            e.state = ModelEntry.State.UNLOADING;
        }
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (e.users.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (e.users.get() > 0) {
            e.state = ModelEntry.State.READY;
            throw ApiException.conflict("model_in_use", "model " + id + " is still serving requests; try again");
        }
        synchronized (this) {
            models.remove(id);
        }
        e.close();
        LOG.infof("unloaded model %s", id);
    }

    private static ApiException gone(ModelEntry e) {
        return ApiException.conflict("model_unloading", "model " + e.id + " is being unloaded");
    }
}
