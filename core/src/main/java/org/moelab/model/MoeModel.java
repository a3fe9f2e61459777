package org.moelab.model;

import org.moelab.checkpoint.Checkpoint;
import org.moelab.tensor.Tensor;

import java.nio.file.Path;
import java.util.List;

/**
 * A loaded checkpoint: config, weight views and the mapped files behind them. Close it to unmap.
 *
 * @param embedding (vocab, H)
 * @param lmHead    (vocab, H); the embedding itself when tied
 */
public record MoeModel(Path source, ModelConfig config, Tensor embedding, List<LayerWeights> layers,
                       Tensor finalNorm, Tensor lmHead, Checkpoint checkpoint) implements AutoCloseable {

    /** Parameters held in routed experts (the part MoE quantization targets). */
    public long routedExpertParameters() {
        long n = 0;
        for (LayerWeights l : layers) {
            if (!l.isMoe()) continue;
            for (ExpertWeights e : l.moe().experts()) {
                n += e.gate().elements() + e.up().elements() + e.down().elements();
            }
        }
        return n;
    }

    /**
     * Drops this process's mappings of the checkpoint's pages (madvise DONTNEED through {@link
     * java.lang.foreign.MemorySegment#unload}): the page cache keeps them and a later read faults them back in, so
     * the resident set does not keep every weight page a stage touched. Heap-backed tensors are left alone.
     */
    public void releaseMappedPages() {
        for (Tensor t : checkpoint.tensors()) {
            if (t.data().isMapped()) t.data().unload();
        }
    }

    /** {@link #releaseMappedPages()} for the tensors of decoder layer {@code layer} ({@code …layers.<layer>.…}). */
    public void releaseMappedPages(int layer) {
        String key = "layers." + layer + ".";
        for (Tensor t : checkpoint.tensors()) {
            int at = t.name().indexOf(key);
            if (at >= 0 && (at == 0 || t.name().charAt(at - 1) == '.') && t.data().isMapped()) t.data().unload();
        }
    }

    @Override
    public void close() {
        checkpoint.close();
    }
}
