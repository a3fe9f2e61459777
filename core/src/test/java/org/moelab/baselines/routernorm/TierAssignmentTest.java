package org.moelab.baselines.routernorm;

import org.junit.jupiter.api.Test;
import org.moelab.baselines.routernorm.TierAssignment.Rounding;
import org.moelab.baselines.routernorm.TierAssignment.Tiers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TierAssignmentTest {

    static void exact(TierAssignment t, int experts, double target, int... counts) {
        Tiers r = t.counts(experts, target, Rounding.EXACT);
        assertArrayEquals(counts, r.counts(), "E " + experts + " target " + target);
        assertEquals(target, r.realised(), 1e-12);
        assertTrue(r.exact());
        assertEquals(experts, r.experts());
    }

    @Test
    void twoLevelHitsReachableTargetsExactly() {
        TierAssignment t = TierAssignment.twoLevel();
        exact(t, 16, 2.5, 8, 8);
        exact(t, 16, 2.125, 2, 14);
        exact(t, 16, 2.75, 12, 4);
        exact(t, 16, 3.0, 16, 0);
        exact(t, 16, 2.0, 0, 16);
        exact(t, 8, 2.125, 1, 7); // Mixtral's settings in the paper
        exact(t, 8, 2.75, 6, 2);
        exact(t, 10, 2.1, 1, 9);  // 0.1 · 10 is not exactly 1 in floating point
        exact(TierAssignment.twoLevel(4, 2), 4, 3.0, 2, 2);
    }

    @Test
    void threeLevelFollowsThePapersPolicyAndHitsTheTarget() {
        TierAssignment t = TierAssignment.threeLevel();
        // 2.5 (above 3 − 2/3): every pair of 2-bit experts becomes one 3-bit and one 1-bit expert.
        exact(t, 16, 2.5, 12, 0, 4);
        exact(t, 16, 2.75, 14, 0, 2);
        exact(t, 8, 2.5, 6, 0, 2);
        // 2.125 (middle region): pairs move while the 2-bit tier stays >= the number promoted.
        exact(t, 16, 2.125, 6, 6, 4);
        exact(t, 16, 2.0, 5, 6, 5);
        // 1.5 (below 3 − 4/3): the plain 2/1 split.
        exact(t, 16, 1.5, 0, 8, 8);
        exact(t, 16, 3.0, 16, 0, 0);
        exact(t, 16, 1.0, 0, 0, 16);
    }

    @Test
    void bitsFollowTheOrder() {
        Tiers two = TierAssignment.twoLevel().counts(4, 2.5, Rounding.EXACT);
        assertArrayEquals(new int[] {3, 2, 3, 2}, TierAssignment.bits(new int[] {2, 0, 3, 1}, two));
        Tiers three = TierAssignment.threeLevel().counts(4, 2.5, Rounding.EXACT); // 3 / 0 / 1
        assertArrayEquals(new int[] {3, 0, 1}, three.counts());
        assertArrayEquals(new int[] {3, 1, 3, 3}, TierAssignment.bits(new int[] {2, 0, 3, 1}, three));
        assertThrows(IllegalArgumentException.class, () -> TierAssignment.bits(new int[] {0, 1, 2}, two));
    }

    @Test
    void anUnreachableTargetIsRefusedWithTheNearestAchievableAverages() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TierAssignment.twoLevel().counts(16, 2.3, Rounding.EXACT));
        assertTrue(e.getMessage().contains("2.2500") && e.getMessage().contains("2.3125"), e.getMessage());
        IllegalArgumentException f = assertThrows(IllegalArgumentException.class,
                () -> TierAssignment.threeLevel().counts(16, 2.3, Rounding.EXACT));
        assertTrue(f.getMessage().contains("2.2500") && f.getMessage().contains("2.3125"), f.getMessage());
        IllegalArgumentException g = assertThrows(IllegalArgumentException.class,
                () -> TierAssignment.twoLevel().counts(16, 3.5, Rounding.EXACT));
        assertTrue(g.getMessage().contains("outside [2, 3]"), g.getMessage());
    }

    @Test
    void nearestRoundsHalfToEvenClampsAndReportsTheMiss() {
        Tiers a = TierAssignment.twoLevel().counts(16, 2.3, Rounding.NEAREST); // 4.8 → 5
        assertArrayEquals(new int[] {5, 11}, a.counts());
        assertEquals(2.3125, a.realised(), 1e-12);
        assertFalse(a.exact());
        assertArrayEquals(new int[] {2, 2}, TierAssignment.twoLevel().counts(4, 2.375, Rounding.NEAREST).counts()); // 1.5 → 2
        assertArrayEquals(new int[] {2, 2}, TierAssignment.twoLevel().counts(4, 2.625, Rounding.NEAREST).counts()); // 2.5 → 2
        Tiers c = TierAssignment.twoLevel().counts(16, 3.5, Rounding.NEAREST);
        assertArrayEquals(new int[] {16, 0}, c.counts());
        assertEquals(3.0, c.realised(), 1e-12);
        assertFalse(c.exact());
        Tiers d = TierAssignment.threeLevel().counts(16, 2.3, Rounding.NEAREST); // base 5/11/0, then pairs move
        assertEquals(2.3125, d.realised(), 1e-12);
        assertEquals(16, d.experts());
        assertTrue(d.exact() == false);
        // A reachable target under NEAREST is exact.
        assertTrue(TierAssignment.twoLevel().counts(16, 2.5, Rounding.NEAREST).exact());
    }

    @Test
    void levelsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> TierAssignment.twoLevel(2, 3));
        assertThrows(IllegalArgumentException.class, () -> TierAssignment.threeLevel(4, 2, 1));
        assertThrows(IllegalArgumentException.class, () -> TierAssignment.twoLevel(9, 2));
    }
}
