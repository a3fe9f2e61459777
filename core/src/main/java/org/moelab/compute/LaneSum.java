package org.moelab.compute;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The sum of a vector's lanes in one fixed order (a butterfly of lane swaps), whatever the JIT tier.
 * {@code reduceLanes(ADD)} may add lanes in a different order once C2 compiles a loop, which made
 * identical runs differ in the last bit; artifacts promise bit-identical outputs, so every reduction on
 * the model's path goes through here.
 */
public final class LaneSum {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorShuffle<Float> SWAP1 = swap(1);
    private static final VectorShuffle<Float> SWAP2 = swap(2);
    private static final VectorShuffle<Float> SWAP4 = swap(4);
    private static final VectorShuffle<Float> SWAP8 = swap(8);

    private LaneSum() {
    }

    /** Σ lanes of a vector of the preferred species, in a fixed order. */
    public static float of(FloatVector v) {
        int n = F.length();
        if (n > 8) v = v.add(v.rearrange(SWAP8));
        if (n > 4) v = v.add(v.rearrange(SWAP4));
        if (n > 2) v = v.add(v.rearrange(SWAP2));
        if (n > 1) v = v.add(v.rearrange(SWAP1));
        return v.lane(0);
    }

    /** Lane i swapped with lane i XOR d (d < lanes; identity otherwise). */
    private static VectorShuffle<Float> swap(int d) {
        int n = F.length();
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = d < n ? i ^ d : i;
        return VectorShuffle.fromArray(F, idx, 0);
    }
}
