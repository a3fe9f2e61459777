package org.moelab.bitsmoe.execution;

/**
 * The routed experts of one MoE layer in BitsMoE's factorized form (methods.md §1.1, §1.5), for one
 * projection: per expert e and direction k a scale s_{e,k} and a stored unit vector (null = dropped).
 *
 * @param scales     (E, r) s_{e,k}
 * @param components (E, r) stored unit vectors, index e·r + k; null where the allocation chose 0 bits
 */
public record FactorizedExperts(int experts, int rank, int intermediate, float[] scales, Component[] components) {

    public Component component(int e, int k) {
        return components[e * rank + k];
    }
}
