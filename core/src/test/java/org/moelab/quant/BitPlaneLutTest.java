package org.moelab.quant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link BitPlaneLut} (table-lookup matvec) against the layouts' scalar references {@link PackedLayout#dotManyScalar}
 * and {@link PackedLayout#axpyManyScalar} on awkward shapes (rows and lengths 1, 7, 31, 127, 129, 1000 …, group sizes
 * 32 … 128, offsets > 0), per bit-width within a named budget: |Δ| ≤ {@value #BUDGET} · Σ|w·x| (summation order
 * differs: per-plane table sums instead of one fused multiply-add chain). Then the repack round trip: codes and
 * scales come back exactly. These tests run the kernels on any machine (16-lane vectors through the Vector API's
 * fallback where the hardware has fewer lanes), so they never skip.
 */
class BitPlaneLutTest {

    /**
     * Relative to Σ_i |w_i·x_i| (+|y| for AXPY): the fused kernels' budget ({@code PackedKernelsTest}); the table
     * sums round about 30 times per element at most (4 table adds, 8 lookups per chunk, the plane combination).
     */
    static final double BUDGET = 1e-5;
    private static final int[] SIZES = {1, 7, 31, 32, 127, 129, 200, 1000};
    private static final int P_OFF = 3;
    private static final int S_OFF = 2;
    private static final int X_OFF = 5;

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4})
    void dotAndAxpyMatchTheScalarReference(int bits) {
        Random r = new Random(17L * bits);
        for (int g : new int[] {128, 64, 32}) {
            for (int count : SIZES) {
                for (int n : SIZES) check(bits, g, count, n, r);
            }
        }
        // and enough random cases for the kernels to run compiled
        for (int k = 0; k < 600; k++) check(bits, 32 * (1 + r.nextInt(4)), 1 + r.nextInt(160), 1 + r.nextInt(400), r);
    }

    /**
     * DOT rows longer than {@link BitPlaneLut#SPAN_ELEMENTS} are stored and run in spans of whole groups: spans that
     * divide the row and a shorter last one, group sizes that divide the span length and one that does not (96).
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4})
    void longDotRowsRunInSpans(int bits) {
        Random r = new Random(31L * bits);
        for (int g : new int[] {128, 96, 64, 32}) {
            for (int n : new int[] {BitPlaneLut.SPAN_ELEMENTS + 1, 1000, 1100, 2100, 4103}) {
                for (int count : new int[] {1, 17, 40}) check(bits, g, count, n, r);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {16, 48})
    void axpyTakesGroupSizesOfSixteen(int g) {
        Random r = new Random(g);
        for (int count : SIZES) for (int n : SIZES) check(2, g, count, n, r);
        assertFalse(BitPlaneLut.supports(Packed2Bit.INSTANCE, g, BitPlaneLut.Direction.DOT), "DOT needs g % 32 == 0");
    }

    private static void check(int bits, int g, int count, int n, Random r) {
        PackedLayout l = PackedLayout.forBits(bits);
        int vb = (int) l.bytes(n);
        int ns = l.scaleCount(n, g);
        byte[] p = new byte[P_OFF + count * vb + 8];
        short[] s = new short[S_OFF + count * ns + 1];
        int[][] codes = new int[count][n];
        for (int j = 0; j < count; j++) {
            for (int i = 0; i < n; i++) codes[j][i] = PackedLayoutsTest.randomCode(r, bits);
            l.pack(codes[j], 0, n, p, P_OFF + j * vb);
        }
        for (int k = 0; k < s.length; k++) {
            // normal fp16 scales of both signs, with zeros and subnormals mixed in (the DOT loop widens fp16 itself)
            int kind = r.nextInt(16);
            double mag = kind == 0 ? 0 : Math.scalb(1 + r.nextDouble(), kind == 1 ? -16 - r.nextInt(8) : -r.nextInt(10));
            s[k] = Float.floatToFloat16((float) ((r.nextBoolean() ? 1 : -1) * mag));
        }
        float[] x = new float[X_OFF + n + 2];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        float[] alpha = new float[X_OFF + count];
        for (int j = 0; j < alpha.length; j++) alpha[j] = (float) r.nextGaussian();
        String what = bits + "-bit, g = " + g + ", (" + count + ", " + n + ")";

        if (g % 32 == 0) {
            BitPlaneLut dot = BitPlaneLut.repack(BitPlaneLut.Direction.DOT, l, count, n, g, p, P_OFF, s, S_OFF);
            float[] want = new float[count + 4];
            float[] got = new float[count + 4];
            java.util.Arrays.fill(got, 7f);
            l.dotManyScalar(count, p, P_OFF, s, S_OFF, g, n, x, X_OFF, want, 2);
            dot.dotMany(x, X_OFF, got, 2);
            for (int j = 0; j < count; j++) {
                double abs = 0;
                for (int i = 0; i < n; i++) abs += Math.abs(Float.float16ToFloat(s[S_OFF + j * ns + i / g]) * codes[j][i] * (double) x[X_OFF + i]);
                if (!(Math.abs(got[2 + j] - want[2 + j]) <= BUDGET * abs + 1e-30)) fail(what + " DOT row " + j + ": " + got[2 + j] + " vs " + want[2 + j]);
            }
            assertEquals(7f, got[0], what + ": DOT wrote before its range");
            assertEquals(7f, got[2 + count], what + ": DOT wrote past its range");
            roundTrip(dot, codes, s, ns, what);
        }
        BitPlaneLut axpy = BitPlaneLut.repack(BitPlaneLut.Direction.AXPY, l, count, n, g, p, P_OFF, s, S_OFF);
        float[] y0 = new float[X_OFF + n + 3];
        for (int i = 0; i < y0.length; i++) y0[i] = (float) r.nextGaussian();
        float[] want = y0.clone();
        float[] got = y0.clone();
        l.axpyManyScalar(count, alpha, X_OFF, p, P_OFF, s, S_OFF, g, n, want, X_OFF);
        axpy.axpyMany(alpha, X_OFF, got, X_OFF);
        for (int i = 0; i < y0.length; i++) {
            if (i < X_OFF || i >= X_OFF + n) {
                if (got[i] != y0[i]) fail(what + " AXPY wrote outside its range at " + i);
                continue;
            }
            double abs = Math.abs(y0[i]);
            for (int j = 0; j < count; j++) abs += Math.abs(alpha[X_OFF + j] * Float.float16ToFloat(s[S_OFF + j * ns + (i - X_OFF) / g]) * (double) codes[j][i - X_OFF]);
            if (!(Math.abs(got[i] - want[i]) <= BUDGET * abs + 1e-30)) fail(what + " AXPY element " + (i - X_OFF) + ": " + got[i] + " vs " + want[i]);
        }
        roundTrip(axpy, codes, s, ns, what);
    }

    private static void roundTrip(BitPlaneLut t, int[][] codes, short[] s, int ns, String what) {
        int[] q = new int[codes.length == 0 ? 0 : codes[0].length];
        for (int j = 0; j < codes.length; j++) {
            t.codes(j, q, 0);
            assertArrayEquals(codes[j], q, what + " " + t.direction() + ": codes of row " + j);
            for (int gk = 0; gk < ns; gk++) {
                assertEquals(Float.float16ToFloat(s[S_OFF + j * ns + gk]), t.scale(j, gk), what + ": scale " + j + ", " + gk);
            }
        }
    }

    @Test
    void refusesWhatItCannotHold() {
        byte[] p = new byte[64];
        short[] s = new short[4];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BitPlaneLut.repack(BitPlaneLut.Direction.DOT, Packed8Bit.INSTANCE, 1, 32, 32, p, 0, s, 0));
        assertTrue(e.getMessage().contains("8-bit"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BitPlaneLut.repack(BitPlaneLut.Direction.DOT, Packed2Bit.INSTANCE, 1, 32, 20, p, 0, s, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> BitPlaneLut.repack(BitPlaneLut.Direction.DOT, Packed2Bit.INSTANCE, 10, 128, 128, p, 0, s, 0));
        BitPlaneLut dot = BitPlaneLut.repack(BitPlaneLut.Direction.DOT, Packed2Bit.INSTANCE, 1, 32, 32, p, 0, s, 0);
        IllegalStateException wrong = assertThrows(IllegalStateException.class, () -> dot.axpyMany(new float[1], 0, new float[32], 0));
        assertTrue(wrong.getMessage().contains("DOT"), wrong.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> dot.dotMany(new float[31], 0, new float[1], 0));
    }

    @Test
    void aMistypedSwitchIsAnErrorNotSilentlyOff() {
        String before = System.getProperty("moelab.lut");
        try {
            System.setProperty("moelab.lut", "on");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, BitPlaneLut::enabled);
            assertTrue(e.getMessage().contains("-Dmoelab.lut=on") && e.getMessage().contains("true or false"), e.getMessage());
            System.setProperty("moelab.lut", "FALSE");
            assertFalse(BitPlaneLut.enabled());
            assertFalse(BitPlaneLut.pays(Packed2Bit.INSTANCE, 128, 1024, BitPlaneLut.Direction.DOT), "off means the layout kernels");
        } finally {
            if (before == null) System.clearProperty("moelab.lut");
            else System.setProperty("moelab.lut", before);
        }
    }

    @Test
    void paysOnlyWhereMeasuredFaster() {
        assertFalse(BitPlaneLut.pays(Packed4Bit.INSTANCE, 128, 1024, BitPlaneLut.Direction.AXPY), "4-bit AXPY measured slower");
        assertFalse(BitPlaneLut.pays(Packed8Bit.INSTANCE, 128, 1024, BitPlaneLut.Direction.DOT), "8-bit has no table layout");
        assertFalse(BitPlaneLut.pays(Packed1Bit.INSTANCE, 128, 1024, BitPlaneLut.Direction.DOT), "1-bit boxed in the layer");
        assertFalse(BitPlaneLut.pays(Packed1Bit.INSTANCE, 128, 1024, BitPlaneLut.Direction.AXPY), "1-bit boxed in the layer");
        assertFalse(BitPlaneLut.pays(Packed2Bit.INSTANCE, 128, 8, BitPlaneLut.Direction.DOT), "small groups stay in the CPU layout");
        assertEquals(BitPlaneLut.FAST && BitPlaneLut.enabled(), BitPlaneLut.pays(Packed2Bit.INSTANCE, 128, 1024, BitPlaneLut.Direction.DOT));
    }
}
