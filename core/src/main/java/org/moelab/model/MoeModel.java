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

    @Override
    public void close() {
        checkpoint.close();
    }
}
