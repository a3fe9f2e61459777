package org.moelab.bitsmoe.execution;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.moelab.quant.PackedLayout;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The many-vector kernels ({@link PackedLayout#axpyMany}, {@link PackedLayout#dotMany}) against their scalar
 * references, for every stored width and awkward lengths (1, 7, 31, 127, 129, 1000: below, around and well
 * past one chunk and one tile), group sizes that do and do not take the fused paths, vector counts 1..40, all
 * offsets > 0, and payload arrays that end exactly at the last vector (so the last chunk's word read takes
 * the in-bounds path). Then random cases, enough for the optimizing JIT to compile the kernels.
 */
class FusedKernelsTest {

    static final int[] WIDTHS = {1, 2, 3, 4, 8, 16};
    static final int[] LENGTHS = {1, 7, 31, 127, 129, 1000};
    static final int[] GROUP_SIZES = {128, 64, 16, 20, 7};
    private static final int RANDOM_CASES = Integer.getInteger("moelab.test.fusedCases", 1000);

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 8, 16})
    void manyKernelsMatchTheScalarReference(int bits) {
        PackedLayout l = PackedLayout.forBits(bits);
        Random r = new Random(1000 + bits);
        for (int n : LENGTHS) {
            for (int g : GROUP_SIZES) {
                for (int count : new int[] {1, 2, 5, 40}) check(l, r, count, g, n, r.nextBoolean());
            }
        }
        for (int k = 0; k < RANDOM_CASES; k++) {
            int n = r.nextInt(4) == 0 ? LENGTHS[r.nextInt(LENGTHS.length)] : 1 + r.nextInt(300);
            check(l, r, 1 + r.nextInt(40), GROUP_SIZES[r.nextInt(GROUP_SIZES.length)], n, r.nextBoolean());
        }
    }

    /** count random vectors of n elements at width l.bits(), packed back to back behind offsets. */
    record Case(PackedLayout l, int count, int g, int n, int pOff, int sOff, byte[] p, short[] scales, float[][] deq) {

        static Case random(PackedLayout l, Random r, int count, int g, int n, boolean exactEnd) {
            int bits = l.bits();
            int vb = Math.toIntExact(l.bytes(n));
            int ns = l.scaleCount(n, g);
            int pOff = 1 + r.nextInt(5);
            int sOff = 1 + r.nextInt(3);
            byte[] p = new byte[pOff + count * vb + (exactEnd ? 0 : 1 + r.nextInt(9))];
            short[] scales = new short[sOff + count * ns + 1];
            float[][] deq = new float[count][n];
            int[] codes = new int[n];
            for (int j = 0; j < count; j++) {
                for (int k = 0; k < ns; k++) {
                    double mag = r.nextInt(10) == 0 ? 0 : Math.scalb(1 + r.nextDouble(), -r.nextInt(12));
                    scales[sOff + j * ns + k] = Float.floatToFloat16((float) (r.nextInt(8) == 0 ? -mag : mag));
                }
                for (int i = 0; i < n; i++) {
                    codes[i] = bits == 16 ? Float.floatToFloat16((float) r.nextGaussian()) & 0xFFFF : randomCode(r, bits);
                    deq[j][i] = bits == 16 ? Float.float16ToFloat((short) codes[i]) : Float.float16ToFloat(scales[sOff + j * ns + i / g]) * codes[i];
                }
                l.pack(codes, 0, n, p, pOff + j * vb);
            }
            return new Case(l, count, g, n, pOff, sOff, p, scales, deq);
        }
    }

    static int randomCode(Random r, int bits) {
        if (bits == 1) return r.nextBoolean() ? 1 : -1;
        int lo = bits == 8 ? -127 : -(1 << (bits - 1));
        int hi = (1 << (bits - 1)) - 1;
        return lo + r.nextInt(hi - lo + 1);
    }

    private static void check(PackedLayout l, Random r, int count, int g, int n, boolean exactEnd) {
        Case c = Case.random(l, r, count, g, n, exactEnd);
        String what = l.bits() + "-bit, count = " + count + ", g = " + g + ", n = " + n + (exactEnd ? ", exact end" : "");
        int bound = l.bits() == 16 ? 1 : 1 << l.bits(); // |q| + offset ≤ 2^b: what the fused paths add before the offset comes off

        // axpyMany vs axpyManyScalar, and the scalar reference vs the plain definition
        int aOff = 1 + r.nextInt(4);
        int yOff = 1 + r.nextInt(4);
        float[] alpha = new float[aOff + count + 2];
        for (int j = 0; j < alpha.length; j++) alpha[j] = (float) r.nextGaussian();
        float[] y0 = new float[yOff + n + 3];
        for (int i = 0; i < y0.length; i++) y0[i] = (float) r.nextGaussian();
        float[] yRef = y0.clone();
        float[] yFast = y0.clone();
        l.axpyManyScalar(count, alpha, aOff, c.p(), c.pOff(), c.scales(), c.sOff(), g, n, yRef, yOff);
        l.axpyMany(count, alpha, aOff, c.p(), c.pOff(), c.scales(), c.sOff(), g, n, yFast, yOff);
        for (int i = 0; i < y0.length; i++) {
            boolean inside = i >= yOff && i < yOff + n;
            float want = y0[i];
            double mag = Math.abs(y0[i]);
            if (inside) {
                for (int j = 0; j < count; j++) {
                    want = Math.fma(alpha[aOff + j], c.deq()[j][i - yOff], want);
                    float scale = l.bits() == 16 ? Math.abs(c.deq()[j][i - yOff])
                            : Math.abs(Float.float16ToFloat(c.scales()[c.sOff() + j * l.scaleCount(n, g) + (i - yOff) / g]));
                    mag += Math.abs(alpha[aOff + j]) * scale * bound;
                }
            }
            if (Float.floatToRawIntBits(want) != Float.floatToRawIntBits(yRef[i])) fail(what + ": axpyManyScalar element " + i + ": " + yRef[i] + " vs " + want);
            double tol = 1e-5 * mag + 1e-30;
            if (!(Math.abs((double) yFast[i] - yRef[i]) <= tol)) fail(what + ": axpyMany element " + i + ": " + yFast[i] + " vs reference " + yRef[i] + " (tolerance " + tol + ")");
        }

        // dotMany vs dotManyScalar
        int xOff = 1 + r.nextInt(4);
        int oOff = 1 + r.nextInt(4);
        float[] x = new float[xOff + n + 2];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        float[] ref = new float[oOff + count + 2];
        java.util.Arrays.fill(ref, 7f);
        float[] fast = ref.clone();
        l.dotManyScalar(count, c.p(), c.pOff(), c.scales(), c.sOff(), g, n, x, xOff, ref, oOff);
        l.dotMany(count, c.p(), c.pOff(), c.scales(), c.sOff(), g, n, x, xOff, fast, oOff);
        for (int k = 0; k < ref.length; k++) {
            if (k < oOff || k >= oOff + count) {
                assertEquals(7f, ref[k], what + ": dotManyScalar wrote outside its range");
                assertEquals(7f, fast[k], what + ": dotMany wrote outside its range");
                continue;
            }
            int j = k - oOff;
            double sum = 0;
            double mag = 0;
            for (int i = 0; i < n; i++) {
                sum += (double) c.deq()[j][i] * x[xOff + i];
                float scale = l.bits() == 16 ? Math.abs(c.deq()[j][i])
                        : Math.abs(Float.float16ToFloat(c.scales()[c.sOff() + j * l.scaleCount(n, g) + i / g]));
                mag += scale * bound * Math.abs(x[xOff + i]);
            }
            assertEquals((float) sum, ref[k], 0f, what + ": dotManyScalar of vector " + j);
            double tol = 1e-5 * mag + 1e-30;
            if (!(Math.abs((double) fast[k] - ref[k]) <= tol)) fail(what + ": dotMany vector " + j + ": " + fast[k] + " vs reference " + ref[k] + " (tolerance " + tol + ")");
        }
    }

    @Test
    void zeroBitsAndEmptyCallsDoNothing() {
        PackedLayout z = PackedLayout.forBits(0);
        float[] y = {1f, 2f, 3f};
        z.axpyMany(3, new float[] {1, 1, 1}, 0, new byte[0], 0, new short[0], 0, 128, 3, y, 0);
        assertEquals(2f, y[1]);
        float[] out = {5f, 5f, 5f};
        z.dotMany(2, new byte[0], 0, new short[0], 0, 128, 3, y, 0, out, 1);
        assertEquals(5f, out[0]);
        assertEquals(0f, out[1]);
        assertEquals(0f, out[2]);
        for (int b : WIDTHS) {
            PackedLayout l = PackedLayout.forBits(b);
            l.axpyMany(0, new float[0], 0, new byte[0], 0, new short[0], 0, 128, 3, y, 0);
            l.dotMany(0, new byte[0], 0, new short[0], 0, 128, 3, y, 0, new float[0], 0);
        }
        assertEquals(1f, y[0]);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 8, 16})
    void argumentsAreCheckedOnce(int bits) {
        PackedLayout l = PackedLayout.forBits(bits);
        int n = 33;
        int g = 16;
        int vb = Math.toIntExact(l.bytes(n));
        int ns = l.scaleCount(n, g);
        byte[] p = new byte[3 * vb];
        short[] s = new short[3 * ns];
        float[] y = new float[n];
        float[] a = new float[3];
        assertThrows(IndexOutOfBoundsException.class, () -> l.axpyMany(4, new float[4], 0, p, 0, s, 0, g, n, y, 0), "payload of 3 vectors, count 4");
        assertThrows(IndexOutOfBoundsException.class, () -> l.axpyMany(3, a, 1, p, 0, s, 0, g, n, y, 0), "alpha too short");
        assertThrows(IndexOutOfBoundsException.class, () -> l.axpyMany(3, a, 0, p, 0, s, 0, g, n, new float[n - 1], 0), "y too short");
        assertThrows(IndexOutOfBoundsException.class, () -> l.dotMany(3, p, 0, s, 0, g, n, y, 1, new float[3], 0), "x too short");
        assertThrows(IndexOutOfBoundsException.class, () -> l.dotMany(3, p, 0, s, 0, g, n, y, 0, new float[2], 0), "out too short");
        if (bits != 16) {
            assertThrows(IndexOutOfBoundsException.class, () -> l.axpyMany(3, a, 0, p, 0, s, 1, g, n, y, 0), "scales too short");
            assertThrows(IllegalArgumentException.class, () -> l.dotMany(3, p, 0, s, 0, 0, n, y, 0, new float[3], 0), "group size 0");
        }
    }
}
