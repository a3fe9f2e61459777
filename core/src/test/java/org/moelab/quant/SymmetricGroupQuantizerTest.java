package org.moelab.quant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The quantizer of methods.md §1.2 against hand-computed vectors (g = 4 so the arithmetic fits in a comment)
 * and against the properties the allocation relies on. Every expected scale below is exactly representable
 * in fp16, so it is compared exactly, both as a float and as its fp16 bits.
 */
class SymmetricGroupQuantizerTest {

    /** The public runtime: one start from mean|x|, 50 iterations. */
    private static final SymmetricGroupQuantizer PUBLIC4 =
            new SymmetricGroupQuantizer(SymmetricGroupQuantizer.Options.publicRuntime().withGroupSize(4));
    /** The [choice]: mean|x| plus starts f·absmax/qmax, f = 0.50 … 1.00. */
    private static final SymmetricGroupQuantizer MULTI4 =
            new SymmetricGroupQuantizer(SymmetricGroupQuantizer.Options.defaults().withGroupSize(4));

    private static void assertQuantized(QuantizedVector q, int[] codes, float... scales) {
        assertArrayEquals(codes, q.codes(), "codes");
        assertEquals(scales.length, q.scales().length, "number of scales");
        for (int k = 0; k < scales.length; k++) {
            assertEquals(scales[k], q.scale(k), 0f, "scale of group " + k);
            assertEquals(Float.floatToFloat16(scales[k]), q.scales()[k], "fp16 bits of scale " + k);
        }
        for (int i = 0; i < codes.length; i++) assertEquals(scales[i / q.groupSize()] * codes[i], q.value(i), 0f);
    }

    @Test
    void oneBitIsSignTimesMeanAbs() {
        float[] x = {0.5f, -1.5f, 0f, 2f, /* short group */ -0.25f, 0.75f};
        // group 0: q = sign(x) = +1 −1 +1 (sign(0) = +1) +1;  scale = (0.5 + 1.5 + 0 + 2) / 4 = 1.0
        // group 1: q = −1 +1;                                  scale = (0.25 + 0.75) / 2 = 0.5
        for (SymmetricGroupQuantizer qz : new SymmetricGroupQuantizer[] {PUBLIC4, MULTI4}) {
            assertQuantized(qz.quantize(x, 0, x.length, 1), new int[] {1, -1, 1, 1, -1, 1}, 1.0f, 0.5f);
        }
    }

    @Test
    void eightBitIsAbsmaxOver127WithTiesToEven() {
        float[] x = {127f, -63.5f, 0.5f, 2.5f, /* short group */ -254f, 3f};
        // group 0: scale = 127/127 = 1;  q = rint(127, −63.5, 0.5, 2.5) = 127, −64, 0, 2  (ties go to the even code)
        // group 1: scale = 254/127 = 2;  q = rint(−127, 1.5) = −127, 2
        assertQuantized(MULTI4.quantize(x, 0, x.length, 8), new int[] {127, -64, 0, 2, -127, 2}, 1f, 2f);
    }

    @Test
    void eightBitCodesAreChosenAgainstTheStoredFp16Scale() {
        float[] x = {1f, 0.5f, -1f, 0f};
        // absmax/127 = 0.0078740… = 2^-7 · 1.00787; the fp16 mantissa 0.00787·1024 = 8.06 rounds to 8, so the
        // stored scale is 2^-7 · (1 + 8/1024) = 1032/131072 = 0.00787353515625 (bits 0x2008), slightly small.
        // q = rint(x/scale): 1/0.0078735 = 127.008 → 127; 0.5/0.0078735 = 63.504 → 64; −127; 0.
        QuantizedVector q = MULTI4.quantize(x, 0, 4, 8);
        assertQuantized(q, new int[] {127, 64, -127, 0}, 0.00787353515625f);
        assertEquals((short) 0x2008, q.scales()[0]);
    }

    @Test
    void twoBitLeastSquaresFit() {
        float[] x = {1f, -2f, 0.5f, -1f, /* short group */ 0.25f, -0.5f};
        // levels [−2, 1].
        // group 0, start mean|x| = 4.5/4 = 1.125: q = rint(0.89, −1.78, 0.44, −0.89) = 1, −2, 0, −1;
        //   refit Σxq/Σqq = (1 + 4 + 0 + 1)/(1 + 4 + 0 + 1) = 1.0; q = rint(1, −2, 0.5, −1) = 1, −2, 0, −1
        //   (0.5 is a tie and goes to the even 0): q repeats, stop. The grid starts (2f ∈ [1, 2]) do no better.
        // group 1, start mean|x| = 0.375: q = rint(0.67, −1.33) = 1, −1; refit (0.25 + 0.5)/2 = 0.375, repeats.
        //   Error 2·0.125² = 0.03125. The grid start 0.5·absmax/1 = 0.25 gives q = 1, −2, refit
        //   (0.25 + 1)/(1 + 4) = 0.25, error 0: only multi-start finds it.
        assertQuantized(PUBLIC4.quantize(x, 0, x.length, 2), new int[] {1, -2, 0, -1, 1, -1}, 1f, 0.375f);
        assertQuantized(MULTI4.quantize(x, 0, x.length, 2), new int[] {1, -2, 0, -1, 1, -2}, 1f, 0.25f);
        assertEquals(0.25 + 0.03125, PUBLIC4.distortion(x, 0, x.length, 2), 1e-12);
        assertEquals(0.25, MULTI4.distortion(x, 0, x.length, 2), 1e-12);
    }

    @Test
    void threeBitLeastSquaresFit() {
        float[] x = {3f, -4f, 1f, 0f, /* short group */ -0.75f};
        // levels [−4, 3].
        // group 0, start mean|x| = 8/4 = 2: q = rint(1.5, −2, 0.5, 0) = 2, −2, 0, 0; refit (6 + 8)/(4 + 4) = 1.75;
        //   q = rint(1.71, −2.29, 0.57, 0) = 2, −2, 1, 0; refit (6 + 8 + 1)/(4 + 4 + 1) = 5/3;
        //   q = rint(1.8, −2.4, 0.6, 0) = 2, −2, 1, 0 repeats. fp16(5/3): mantissa 0.6667·1024 = 682.67 → 683,
        //   scale 1 + 683/1024 = 1.6669921875 (0x3EAB); codes against it rint(1.80, −2.40, 0.60, 0) unchanged.
        //   Multi-start, f = 0.5: start 0.5·4/3 = 0.667, q = clamp(rint(4.5, −6, 1.5, 0)) = 3, −4, 2, 0;
        //   refit (9 + 16 + 2)/(9 + 16 + 4) = 27/29 = 0.931; q = rint(3.22, −4.30, 1.07, 0) = 3, −4, 1, 0;
        //   refit 26/26 = 1; repeats: scale 1, error 0.
        // group 1 (one element), start 0.75: q = −1, scale 0.75, error 0. The grid start 0.125 reaches
        //   q = −4, scale 0.1875, also error 0, but only a strictly lower error displaces mean|x|.
        assertQuantized(PUBLIC4.quantize(x, 0, x.length, 3), new int[] {2, -2, 1, 0, -1}, 1.6669921875f, 0.75f);
        assertQuantized(MULTI4.quantize(x, 0, x.length, 3), new int[] {3, -4, 1, 0, -1}, 1f, 0.75f);
        assertEquals((short) 0x3EAB, PUBLIC4.quantize(x, 0, x.length, 3).scales()[0]);
    }

    @Test
    void fourBitLeastSquaresFit() {
        float[] x = {7f, -8f, 2f, -1f};
        // levels [−8, 7].
        // start mean|x| = 18/4 = 4.5: q = rint(1.56, −1.78, 0.44, −0.22) = 2, −2, 0, 0; refit (14 + 16)/8 = 3.75;
        //   q = rint(1.87, −2.13, 0.53, −0.27) = 2, −2, 1, 0; refit (14 + 16 + 2)/9 = 32/9 = 3.5556;
        //   q = rint(1.97, −2.25, 0.56, −0.28) repeats. fp16(32/9) = 2·(1 + 796/1024) = 3.5546875 (0x431C),
        //   since 0.7778·1024 = 796.4 → 796. Only 5 of the 16 levels used: the poor mean|x| start of §8.
        // multi-start f = 0.5: start 0.5·8/7 = 0.571: q = clamp(rint(12.25, −14, 3.5, −1.75)) = 7, −8, 4, −2;
        //   refit (49 + 64 + 8 + 2)/(49 + 64 + 16 + 4) = 123/133 = 0.925;
        //   q = clamp(rint(7.57, −8.65, 2.16, −1.08)) = 7, −8, 2, −1; refit 118/118 = 1; repeats: exact.
        assertQuantized(PUBLIC4.quantize(x, 0, 4, 4), new int[] {2, -2, 1, 0}, 3.5546875f);
        assertQuantized(MULTI4.quantize(x, 0, 4, 4), new int[] {7, -8, 2, -1}, 1f);
        assertEquals(0, MULTI4.distortion(x, 0, 4, 4));
    }

    @Test
    void roundingIsHalfToEvenThenClamped() {
        // q = clamp(rint(v/scale)); x.5 goes to the even neighbour.
        assertEquals(0, SymmetricGroupQuantizer.code(0.5f, 1f, -8, 7));
        assertEquals(2, SymmetricGroupQuantizer.code(1.5f, 1f, -8, 7));
        assertEquals(2, SymmetricGroupQuantizer.code(2.5f, 1f, -8, 7));
        assertEquals(4, SymmetricGroupQuantizer.code(3.5f, 1f, -8, 7));
        assertEquals(-2, SymmetricGroupQuantizer.code(-2.5f, 1f, -8, 7));
        assertEquals(0, SymmetricGroupQuantizer.code(-0.5f, 1f, -8, 7));
        assertEquals(2, SymmetricGroupQuantizer.code(0.625f, 0.25f, -8, 7)); // 0.625/0.25 = 2.5 exactly
        assertEquals(7, SymmetricGroupQuantizer.code(7.5f, 1f, -8, 7));     // rint → 8, clamped to 7
        assertEquals(-8, SymmetricGroupQuantizer.code(-100f, 1f, -8, 7));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 8})
    void allZeroGroupGetsScaleZeroAndNoNaN(int bits) {
        float[] x = {0f, 0f, -0f, 0f, 1f, -1f};
        for (SymmetricGroupQuantizer qz : new SymmetricGroupQuantizer[] {PUBLIC4, MULTI4}) {
            QuantizedVector q = qz.quantize(x, 0, x.length, bits);
            assertEquals(0, q.scales()[0]);
            int zeroCode = bits == 1 ? 1 : 0; // b = 1: sign(0) = +1
            for (int i = 0; i < 4; i++) {
                assertEquals(zeroCode, q.codes()[i]);
                assertEquals(0f, q.value(i), 0f);
            }
            assertTrue(q.scale(1) > 0);
            assertEquals(1f, q.value(4), 0.01f);
            assertEquals(0, q.squaredError(x, 0), 1e-4);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 8})
    void shortLastGroupAndOffsetsOnRandomVectors(int bits) {
        Random r = new Random(bits);
        float[] x = gaussian(r, 310, 0.02);
        SymmetricGroupQuantizer qz = new SymmetricGroupQuantizer();
        QuantizedVector q = qz.quantize(x, 7, 300, bits); // groups of 128, 128, 44
        assertEquals(3, q.groups());
        assertEquals(3, q.scales().length);
        assertEquals(300, q.codes().length);
        int lo = bits == 1 ? -1 : bits == 8 ? -127 : -(1 << (bits - 1));
        int hi = bits == 1 ? 1 : bits == 8 ? 127 : (1 << (bits - 1)) - 1;
        for (int c : q.codes()) assertTrue(c >= lo && c <= hi && (bits != 1 || c != 0), "code " + c);
        // the offset only selects the slice
        assertEquals(q, qz.quantize(Arrays.copyOfRange(x, 7, 307), 0, 300, bits));
        // the short group is fitted on its own 44 elements: the same as quantizing them alone
        QuantizedVector last = qz.quantize(x, 7 + 256, 44, bits);
        assertEquals(last.scales()[0], q.scales()[2]);
        assertArrayEquals(last.codes(), Arrays.copyOfRange(q.codes(), 256, 300));
        // roundTrip and distortion agree with the record
        float[] out = new float[300];
        qz.roundTrip(x, 7, 300, bits, out);
        float[] want = new float[300];
        q.dequantize(want, 0);
        assertArrayEquals(want, out, 0f);
        double err = 0;
        for (int i = 0; i < 300; i++) err += ((double) x[7 + i] - want[i]) * ((double) x[7 + i] - want[i]);
        assertEquals(err, qz.distortion(x, 7, 300, bits), 1e-12 * err);
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4})
    void multiStartIsNeverWorseThanThePublicRuntimeGroupByGroup(int bits) {
        SymmetricGroupQuantizer pub = new SymmetricGroupQuantizer(SymmetricGroupQuantizer.Options.publicRuntime());
        SymmetricGroupQuantizer multi = new SymmetricGroupQuantizer();
        Random r = new Random(100 + bits);
        int strictlyBetter = 0;
        for (int trial = 0; trial < 40; trial++) {
            int n = 1 + r.nextInt(600);
            float[] x = new float[n];
            for (int i = 0; i < n; i++) {
                double v = switch (trial % 4) {
                    case 0 -> r.nextGaussian();
                    case 1 -> r.nextDouble() * 2 - 1;
                    case 2 -> Math.pow(r.nextGaussian(), 3);                     // heavy tails
                    default -> r.nextGaussian() * (r.nextInt(50) == 0 ? 20 : 1); // outliers
                };
                x[i] = (float) (0.03 * v);
            }
            QuantizedVector p = pub.quantize(x, 0, n, bits);
            QuantizedVector m = multi.quantize(x, 0, n, bits);
            for (int g0 = 0; g0 < n; g0 += 128) {
                double ep = groupError(x, p, g0);
                double em = groupError(x, m, g0);
                assertTrue(em <= ep, "trial " + trial + " group " + g0 / 128 + ": multi " + em + " > public " + ep);
                if (em < ep) strictlyBetter++;
            }
        }
        assertTrue(strictlyBetter > 0, "multi-start never improved on a group");
    }

    private static double groupError(float[] x, QuantizedVector q, int g0) {
        double e = 0;
        for (int i = g0; i < Math.min(q.length(), g0 + q.groupSize()); i++) {
            double d = (double) x[i] - q.value(i);
            e += d * d;
        }
        return e;
    }

    @Test
    void fourBitMultiStartClearlyBeatsTheMeanAbsStartOnGaussians() {
        // methods.md §8: mean|x| start ≈ 0.15 relative error at 4 bits; the MSE-chosen start ≈ 0.10.
        float[] x = gaussian(new Random(4), 128 * 128, 0.02);
        double norm = 0;
        for (float v : x) norm += (double) v * v;
        double pub = Math.sqrt(new SymmetricGroupQuantizer(SymmetricGroupQuantizer.Options.publicRuntime())
                .distortion(x, 0, x.length, 4) / norm);
        double multi = Math.sqrt(SymmetricGroupQuantizer.distortion(x, 4) / norm);
        assertTrue(pub > 0.14 && pub < 0.17, "public-runtime relative error " + pub);
        assertTrue(multi < 0.11, "multi-start relative error " + multi);
        assertTrue(multi < 0.75 * pub, multi + " vs " + pub);
    }

    @Test
    void distortionAtZeroBitsIsTheSquaredNorm() {
        float[] u = gaussian(new Random(0), 300, 1.0);
        double norm = 0;
        for (float v : u) norm += (double) v * v;
        assertEquals(norm, SymmetricGroupQuantizer.distortion(u, 0), 1e-12 * norm);
        QuantizedVector q = new SymmetricGroupQuantizer().quantize(u, 0, u.length, 0);
        assertEquals(0, q.codes().length);
        assertEquals(0, q.scales().length);
        assertEquals(300, q.length());
    }

    @Test
    void sixteenBitsIsFp16RoundOff() {
        float[] u = gaussian(new Random(16), 300, 1.0);
        QuantizedVector q = new SymmetricGroupQuantizer().quantize(u, 0, u.length, 16);
        double norm = 0;
        for (int i = 0; i < u.length; i++) {
            norm += (double) u[i] * u[i];
            assertEquals(Float.float16ToFloat(Float.floatToFloat16(u[i])), q.value(i), 0f);
            assertEquals(Float.floatToFloat16(u[i]) & 0xFFFF, q.codes()[i]);
        }
        double eps = SymmetricGroupQuantizer.distortion(u, 16);
        // normal fp16 values: |x − fp16(x)| ≤ 2^-11·|x| (half an ulp of an 11-bit significand)
        assertTrue(eps > 0 && eps <= 0x1p-22 * norm, "fp16 round-off " + eps + " vs ‖u‖² " + norm);
        assertEquals(0, q.scales().length);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 8, 16})
    void nonFiniteInputIsRejected(int bits) {
        SymmetricGroupQuantizer qz = new SymmetricGroupQuantizer();
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            float[] x = {0.1f, 0.2f, 0.3f, bad, 0.5f};
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> qz.quantize(x, 0, 5, bits));
            assertTrue(e.getMessage().contains("non-finite") && e.getMessage().contains("element 3"), e.getMessage());
            qz.quantize(x, 0, 3, bits); // outside the slice it does not matter
        }
    }

    @Test
    void fp16OverflowIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SymmetricGroupQuantizer().quantize(new float[] {1f, 70000f}, 0, 2, 16));
        assertTrue(e.getMessage().contains("overflows fp16"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 5, 6, 7, 9, 12, 15, 17, 32})
    void unsupportedWidthIsRejectedWithTheAllowedList(int bits) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SymmetricGroupQuantizer().quantize(new float[] {1f, 2f}, 0, 2, bits));
        assertEquals("no packed layout for " + bits + " bits; expected 0, 1, 2, 3, 4, 8 or 16", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SymmetricGroupQuantizer.distortion(new float[] {1f}, bits));
    }

    @Test
    void optionsAreValidated() {
        double[] f = {0.5};
        assertThrows(IllegalArgumentException.class, () -> new SymmetricGroupQuantizer.Options(0, true, f, 50));
        assertThrows(IllegalArgumentException.class, () -> new SymmetricGroupQuantizer.Options(128, true, f, 0));
        for (double bad : new double[] {0, -0.5, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThrows(IllegalArgumentException.class, () -> new SymmetricGroupQuantizer.Options(128, true, new double[] {bad}, 50));
        }
        SymmetricGroupQuantizer.Options d = SymmetricGroupQuantizer.Options.defaults();
        assertEquals(128, d.groupSize());
        assertEquals(50, d.maxIterations());
        assertArrayEquals(new double[] {0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0}, d.startFractions(), 1e-15);
        assertEquals(4, d.withGroupSize(4).groupSize());
        assertEquals(d, SymmetricGroupQuantizer.Options.defaults());
    }

    static float[] gaussian(Random r, int n, double sigma) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextGaussian() * sigma);
        return x;
    }
}
