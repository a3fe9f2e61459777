package org.moelab.backend.stages;

import java.util.List;

/** Request bodies of the decomposition and perplexity stages. */
public final class StageRequests {

    private StageRequests() {
    }

    /**
     * @param layers        MoE layers to decompose (default all)
     * @param rank          shared-basis rank (0 = H, default)
     * @param maxDirections how many leading directions the curves and energies list (default 64; totals cover all)
     */
    public record Decomposition(List<Integer> layers, Integer rank, Integer maxDirections) {
    }

    /**
     * methods.md §7: the text is tokenized once, the first {@code maxTokens} kept, split into windows.
     *
     * @param text      the text to score, or
     * @param file      a text file (relative to moelab.home); default: val.txt of the model (or of an artifact's
     *                  source model), else data/wikitext2/wiki.test.raw
     * @param window    tokens per window (default 256)
     * @param maxTokens keep the first N tokens (default 8192; 0 = all)
     */
    public record Perplexity(String text, String file, Integer window, Integer maxTokens) {
    }
}
