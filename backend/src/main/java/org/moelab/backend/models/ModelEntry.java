package org.moelab.backend.models;

import org.moelab.bitsmoe.artifact.BitsMoeArtifact;
import org.moelab.runtime.Transformer;
import org.moelab.tensor.Tensor;
import org.moelab.tokenizer.MoeTokenizer;

import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One registered model: where it is, what state it is in, and, once loaded, the mapped model, its runtime
 * blocks and tokenizer. Users hold a {@link ModelRegistry.Lease} while they compute so an unload waits for
 * them; at most one heavy task (a job or a synchronous allocation) owns the model at a time.
 */
public final class ModelEntry {

    public enum State { AVAILABLE, LOADING, READY, FAILED, UNLOADING }

    /**
     * A plain checkpoint, a packed BitsMoE artifact, a packed MoBiE artifact (binary experts), or a dequantized
     * (simulation) artifact of RTN, GPTQ or router-norm: an ordinary checkpoint with fp32 experts and a
     * {@code moelab.json} saying what was done.
     */
    public enum Kind {
        CHECKPOINT, BITSMOE_ARTIFACT, MOBIE_ARTIFACT, DEQUANTIZED_ARTIFACT;

        /** Any quantized artifact (its routed experts are quantized already). */
        public boolean artifact() {
            return this != CHECKPOINT;
        }
    }

    /** Loaded model, transformer and tokenizer: published together once the load has finished. */
    record Runtime(BitsMoeArtifact.Loaded loaded, Transformer transformer, MoeTokenizer tokenizer, long mappedBytes,
                   long heapBytes, double loadSeconds, Instant loadedAt) {
    }

    final String id;
    final Path dir;
    final Kind kind;
    final String origin;
    volatile State state;
    volatile String error;
    volatile Runtime runtime;
    volatile CompletableFuture<ModelEntry> loading;
    final AtomicInteger users = new AtomicInteger();
    final AtomicReference<String> heavy = new AtomicReference<>();

    ModelEntry(String id, Path dir, Kind kind, String origin) {
        this.id = id;
        this.dir = dir;
        this.kind = kind;
        this.origin = origin;
        this.state = State.AVAILABLE;
    }

    public String id() {
        return id;
    }

    public Path dir() {
        return dir;
    }

    public Kind kind() {
        return kind;
    }

    public State state() {
        return state;
    }

    /** What holds the model for heavy work ("job j-… (quantization)"), or null. */
    public String busyWith() {
        return heavy.get();
    }

    /** Loads everything; returns the published runtime. Runs on the registry's loader thread. */
    static Runtime load(Path dir, Kind kind) {
        long t0 = System.nanoTime();
        // a dequantized artifact is an ordinary checkpoint (fp32 experts): it loads like one
        BitsMoeArtifact.Loaded loaded = switch (kind) {
            case BITSMOE_ARTIFACT -> BitsMoeArtifact.load(dir);
            case MOBIE_ARTIFACT -> org.moelab.mobie.artifact.MobieArtifact.load(dir);
            default -> BitsMoeArtifact.Loaded.plain(org.moelab.model.ModelLoader.load(dir));
        };
        try {
            MoeTokenizer tok = MoeTokenizer.load(dir);
            Transformer t = loaded.transformer();
            long heap = 0;
            if (loaded.quantized()) {
                // the factorized (or binary) tables are decoded onto the heap; bases widen from bf16 to float
                for (Tensor x : loaded.model().checkpoint().tensors()) {
                    if (!x.name().startsWith("bitsmoe.") && !x.name().startsWith("mobie.")) continue;
                    heap += x.name().endsWith(".basis") ? 4 * x.elements() : x.data().byteSize();
                }
            }
            return new Runtime(loaded, t, tok, loaded.model().checkpoint().totalBytes(), heap, (System.nanoTime() - t0) / 1e9,
                    Instant.now());
        } catch (RuntimeException e) {
            loaded.close();
            throw e;
        }
    }

    void close() {
        Runtime r = runtime;
        runtime = null;
        if (r == null) return;
        try {
            r.tokenizer().close();
        } finally {
            r.loaded().close();
        }
    }
}
