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

    /**
     * The calibration and cost-model stages (methods.md §1.3), each with the decomposition it needs.
     *
     * @param layers               MoE layers (default all)
     * @param rank                 shared-basis rank (0 = H, default)
     * @param calibrationSequences default 128
     * @param calibrationLength    tokens per sequence, default 512
     * @param seed                 calibration sampling seed, default 1234
     * @param coveragePolicy       floor (default), route-all, more-data
     * @param candidates           cost stage: candidate widths (default 0,1,2,3,4,8,16)
     */
    public record Calibration(List<Integer> layers, Integer rank, Integer calibrationSequences, Integer calibrationLength, Long seed,
                              String coveragePolicy, List<Integer> candidates) {

        BitsMoeRequest asBitsMoe() {
            return new BitsMoeRequest(0.0, null, null, rank, null, candidates, calibrationSequences, calibrationLength, seed,
                    coveragePolicy, layers, null, null, null, null, null, null, null, null);
        }
    }

    /**
     * Zero-shot accuracy on the bundled evaluation sets (data/evalsets).
     *
     * @param tasks comma list (piqa, arc_easy, arc_challenge, openbookqa, winogrande, boolq, copa, mmlu, lambada) or
     *              "all"; required
     * @param limit items per task (default 200; 0 = all)
     */
    public record ZeroShot(String tasks, Integer limit) {
    }

    /**
     * Expert shift (mobie.md §4) and next-token KL of this model against a reference on the same tokens.
     *
     * @param reference the reference model id (default: the registered source model of an artifact)
     * @param text      the text to route, or
     * @param file      a text file (relative to moelab.home); default as for perplexity
     * @param window    tokens per window (default 256)
     * @param maxTokens keep the first N tokens (default 4096)
     */
    public record ExpertShift(String reference, String text, String file, Integer window, Integer maxTokens) {
    }
}
