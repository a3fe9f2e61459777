package org.moelab.runtime;

/**
 * How the next token is chosen. {@code temperature == 0} means greedy (argmax, lowest id on ties).
 *
 * @param temperature  ≥ 0; logits are divided by it before the softmax
 * @param topP         nucleus mass in (0, 1]; 1 keeps the whole distribution
 * @param seed         seed of the random source, so sampled runs repeat exactly
 */
public record SamplingOptions(double temperature, double topP, long seed) {

    public SamplingOptions {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
    }

    public static SamplingOptions greedy() {
        return new SamplingOptions(0, 1, 0);
    }

    public boolean isGreedy() {
        return temperature == 0;
    }
}
