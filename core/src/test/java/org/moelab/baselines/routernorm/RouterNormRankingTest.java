package org.moelab.baselines.routernorm;

import org.junit.jupiter.api.Test;
import org.moelab.model.MoeWeights;
import org.moelab.tensor.Tensor;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RouterNormRankingTest {

    // Router (E=4, H=2): row norms 5, 1, 2, 10.
    static final float[] FINAL = {3, 4, 1, 0, 0, 2, 6, 8};
    // Initial router: row norms 5, 0, 1, 12 → changes 0, 1, 1, −2.
    static final float[] INITIAL = {4, 3, 0, 0, 0, 1, 0, 12};

    @Test
    void finalNormRanksSmallestNormFirst() {
        ExpertRanking r = RouterNormRanking.finalNorm(FINAL, 4, 2);
        assertArrayEquals(new double[] {5, 1, 2, 10}, r.scores(), 1e-12);
        assertArrayEquals(new int[] {1, 2, 0, 3}, r.order());
        assertEquals("router-norm", r.criterion());
    }

    @Test
    void normChangeRanksBySignedDifferenceOfNormsWithTiesById() {
        ExpertRanking r = RouterNormRanking.normChange(FINAL, INITIAL, 4, 2);
        assertArrayEquals(new double[] {0, 1, 1, -2}, r.scores(), 1e-12);
        assertArrayEquals(new int[] {3, 0, 1, 2}, r.order());
    }

    @Test
    void fromMoeWeightsUsesTheSecondCheckpointOnlyWhenGiven() {
        MoeWeights fin = new MoeWeights(Tensor.ofFloats("router", FINAL, 4, 2), List.of(), 2, true, null, null);
        MoeWeights init = new MoeWeights(Tensor.ofFloats("router", INITIAL, 4, 2), List.of(), 2, true, null, null);
        assertArrayEquals(new int[] {1, 2, 0, 3}, RouterNormRanking.of(fin, null).order());
        assertArrayEquals(new int[] {3, 0, 1, 2}, RouterNormRanking.of(fin, init).order());
        MoeWeights other = new MoeWeights(Tensor.ofFloats("router", new float[6], 3, 2), List.of(), 2, true, null, null);
        assertThrows(IllegalArgumentException.class, () -> RouterNormRanking.of(fin, other));
    }

    @Test
    void rejectsAWronglyShapedRouter() {
        assertThrows(IllegalArgumentException.class, () -> RouterNormRanking.finalNorm(FINAL, 3, 2));
    }

    @Test
    void frequencyAndRandomOrders() {
        ExpertRanking f = FrequencyRanking.of(new long[] {5, 9, 0, 9});
        assertArrayEquals(new int[] {1, 3, 0, 2}, f.order());
        ExpertRanking a = RandomRanking.of(16, 7, 0);
        ExpertRanking b = RandomRanking.of(16, 7, 0);
        ExpertRanking c = RandomRanking.of(16, 7, 1);
        assertArrayEquals(a.order(), b.order(), "seeded: reproducible");
        assertEquals(16, java.util.Arrays.stream(c.order()).distinct().count());
        assertThrows(IllegalArgumentException.class, () -> new ExpertRanking("x", new double[3], new int[] {0, 0, 1}));
    }
}
