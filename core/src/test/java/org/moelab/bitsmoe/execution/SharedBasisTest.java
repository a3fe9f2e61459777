package org.moelab.bitsmoe.execution;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Int8 shared bases on awkward sizes (rows 1, 7, 130; H 1, 127, 129, 300): quantization error within half
 * a scale step, the scalar reference equal to a double-precision matvec of the dequantized basis, the fast
 * path within float rounding of it, and stored bytes that rebuild the same basis.
 */
class SharedBasisTest {

    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    @Test
    void int8WithinHalfAStepAndRebuildsFromItsBytes() {
        for (int[] s : new int[][] {{1, 1}, {7, 127}, {7, 129}, {130, 300}}) {
            int r = s[0], h = s[1];
            float[] rows = random(r * h, r * 31L + h);
            SharedBasis b = SharedBasis.of(rows, r, h, BasisStorage.INT8);
            float[] deq = b.values();
            for (int k = 0; k < r; k++) {
                for (int g0 = 0; g0 < h; g0 += 128) {
                    double absmax = 0;
                    for (int i = g0; i < Math.min(h, g0 + 128); i++) absmax = Math.max(absmax, Math.abs(rows[k * h + i]));
                    double step = absmax / 127;
                    for (int i = g0; i < Math.min(h, g0 + 128); i++) {
                        double err = Math.abs(rows[k * h + i] - deq[k * h + i]);
                        assertTrue(err <= 0.5 * step * 1.002 + 1e-7, "row " + k + " element " + i + " error " + err + " step " + step);
                    }
                }
            }
            SharedBasis again = SharedBasis.int8(r, h, b.codes(), b.scales());
            assertArrayEquals(deq, again.values());
            assertEquals(8L * r * h + 16L * r * SharedBasis.groups(h), b.bits());
        }
    }

    @Test
    void projectionAndExpansionMatchADoubleMatvec() {
        for (int[] s : new int[][] {{1, 1, 1}, {7, 127, 1}, {7, 129, 3}, {130, 300, 2}, {64, 256, 1}}) {
            int r = s[0], h = s[1], n = s[2];
            SharedBasis b = SharedBasis.of(random(r * h, 5 + r + h), r, h, BasisStorage.INT8);
            float[] m = b.values();
            float[] x = random(n * h, 99);
            float[] acc = random(n * r, 98);
            double[] hx = new double[n * r];
            double[] y = new double[n * h];
            for (int t = 0; t < n; t++) {
                for (int k = 0; k < r; k++) {
                    for (int i = 0; i < h; i++) {
                        hx[t * r + k] += (double) m[k * h + i] * x[t * h + i];
                        y[t * h + i] += (double) m[k * h + i] * acc[t * r + k];
                    }
                }
            }
            check(b.projection("p"), x, n, hx, h);
            check(b.expansion("e"), acc, n, y, r);
        }
    }

    private static void check(BasisOp op, float[] in, int n, double[] expected, int terms) {
        float[] ref = new float[expected.length];
        float[] fast = new float[expected.length];
        java.util.Arrays.fill(fast, Float.NaN); // apply must overwrite
        op.applyReference(in, n, ref);
        op.apply(in, n, fast);
        double scale = 0;
        for (double e : expected) scale = Math.max(scale, Math.abs(e));
        double tol = 1e-6 * Math.sqrt(terms) * Math.max(1, scale) * 8;
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], ref[i], tol, "reference element " + i);
            assertEquals(expected[i], fast[i], tol, "fast element " + i);
        }
    }

    @Test
    void bf16AndF32KeepValuesAndParseNames() {
        float[] rows = random(6, 1);
        assertArrayEquals(rows, SharedBasis.of(rows, 2, 3, BasisStorage.F32).values());
        assertEquals(2 * 3 * 16, SharedBasis.of(rows, 2, 3, BasisStorage.BF16).bits());
        assertEquals(BasisStorage.INT8, BasisStorage.parse("INT8"));
        assertEquals(BasisStorage.F32, BasisStorage.parse("fp32"));
        var e = assertThrows(IllegalArgumentException.class, () -> BasisStorage.parse("int4"));
        assertEquals("--basis int4: expected bf16, f32 or int8", e.getMessage());
        assertThrows(IllegalStateException.class, () -> SharedBasis.of(rows, 2, 3, BasisStorage.BF16).codes());
    }
}
