package org.moelab.baselines.routernorm;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MaxVarAdjustmentTest {

    @Test
    void maxVarIsTheLargestUnbiasedRowVarianceOfTheGate() {
        // W_g (I=3, H=3): row variances (n−1) 1, 12, 1.
        float[] g = {1, 2, 3, 0, 0, 6, -1, 1, 0};
        assertEquals(12.0, MaxVarAdjustment.maxVar(g, 3, 3, MaxVarAdjustment.Statistic.MAX_ROW_VARIANCE), 1e-12);
        // Row 0 has the largest norm (75) but variance 0; row 1 has variance 12.
        float[] h = {5, 5, 5, 0, 0, 6};
        assertEquals(12.0, MaxVarAdjustment.maxVar(h, 2, 3, MaxVarAdjustment.Statistic.MAX_ROW_VARIANCE), 1e-12);
        assertEquals(0.0, MaxVarAdjustment.maxVar(h, 2, 3, MaxVarAdjustment.Statistic.VARIANCE_OF_MAX_NORM_ROW), 1e-12);
    }

    @Test
    void anExpertWithMoreThanZetaTimesTheVarianceOfOneRankedAboveMovesToThatPlace() {
        // Expert 2 (MaxVar 5) exceeds 3 × 1 of expert 0 at the top: it moves to the top.
        assertArrayEquals(new int[] {2, 0, 1, 3}, MaxVarAdjustment.adjust(new int[] {0, 1, 2, 3}, new double[] {1, 1, 5, 0.5}, 3));
        // Nobody exceeds 3× anyone above: unchanged.
        assertArrayEquals(new int[] {0, 1, 2, 3}, MaxVarAdjustment.adjust(new int[] {0, 1, 2, 3}, new double[] {1, 1, 2.9, 0.5}, 3));
    }

    @Test
    void thePassTakesExpertsFromTheBottomAndMovesToTheFirstQualifyingPosition() {
        // MaxVar e0 .2, e1 1, e2 4, e3 1. j = 2: 3·1 < 4 at position 0 (e3) → [2, 3, 1, 0].
        // j = 0: nothing below 0.2/3. j = 1 and 3: the first qualifying position holds e0, below them → stay.
        assertArrayEquals(new int[] {2, 3, 1, 0}, MaxVarAdjustment.adjust(new int[] {3, 1, 0, 2}, new double[] {0.2, 1, 4, 1}, 3));
        // With MaxVar e2 = 2.9 only e0 (3·.2 = .6) qualifies, at position 2 → e2 moves just above it.
        assertArrayEquals(new int[] {3, 1, 2, 0}, MaxVarAdjustment.adjust(new int[] {3, 1, 0, 2}, new double[] {0.2, 1, 2.9, 1}, 3));
        // Two experts move in one pass: order [1, 0, 3, 2], MaxVar (1, 1, 12, 4).
        // j = 2 → top: [2, 1, 0, 3]; j = 3: first with 3·v < 4 is e1 at 1 → [2, 3, 1, 0].
        assertArrayEquals(new int[] {2, 3, 1, 0}, MaxVarAdjustment.adjust(new int[] {1, 0, 3, 2}, new double[] {1, 1, 12, 4}, 3));
        // A smaller ζ moves more: MaxVar (.2, 1, 4, .5). ζ = 3: only e2 moves (to the top).
        // ζ = 1: e2 to the top, then e1 (1 > .5 of e3 above it) moves above e3.
        double[] v = {0.2, 1, 4, 0.5};
        assertArrayEquals(new int[] {2, 3, 1, 0}, MaxVarAdjustment.adjust(new int[] {3, 1, 0, 2}, v, 3));
        assertArrayEquals(new int[] {2, 1, 3, 0}, MaxVarAdjustment.adjust(new int[] {3, 1, 0, 2}, v, 1));
    }

    @Test
    void maxVarOnlyRanksDescendingAndRejectsBadInput() {
        assertArrayEquals(new int[] {2, 3, 0, 1}, MaxVarAdjustment.only(new double[] {1, 1, 12, 4}).order());
        assertThrows(IllegalArgumentException.class, () -> MaxVarAdjustment.adjust(new int[] {0, 1}, new double[] {1}, 3));
        assertThrows(IllegalArgumentException.class, () -> MaxVarAdjustment.adjust(new int[] {0, 1}, new double[] {1, 2}, 0.5));
    }
}
