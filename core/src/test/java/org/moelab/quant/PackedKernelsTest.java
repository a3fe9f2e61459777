package org.moelab.quant;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The Vector API fast paths ({@link PackedLayout#dot}, {@link PackedLayout#axpy}) against the scalar
 * references, and the references against a plain evaluation from the unpacked codes. dot may differ from the
 * reference by float accumulation order only; axpy is documented bit-exact. Every length 1..300 with g = 128,
 * and group sizes that leave groups off byte boundaries (g = 7, 20 at 3 bits) for a spread of lengths; all
 * buffers start at offsets > 0; then random cases, so that the kernels also run JIT-compiled.
 */
class PackedKernelsTest {

    private static final int[] GROUP_SIZES = {128, 64, 20, 7};
    private static final int RANDOM_CASES = Integer.getInteger("moelab.test.kernelCases", 12000);
    private static final int P_OFF = 3;
    private static final int S_OFF = 2;
    private static final int X_OFF = 5;

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 8, 16})
    void fastPathsMatchTheScalarReference(int bits) {
        PackedLayout l = PackedLayout.forBits(bits);
        Random r = new Random(31 * bits + 1);
        for (int g : GROUP_SIZES) {
            for (int n = 1; n <= 300; n++) {
                if (g != 128 && n % 7 != 0 && n % 16 != 0 && n % 16 != 1 && n != 129) continue;
                check(l, r, g, n);
            }
        }
        // random cases, enough calls for the JIT's optimizing tier to compile the kernels (the Vector API
        // intrinsics exist only there) and for the later cases to run on the compiled code
        for (int k = 0; k < RANDOM_CASES; k++) check(l, r, GROUP_SIZES[r.nextInt(GROUP_SIZES.length)], 1 + r.nextInt(300));
    }

    private static void check(PackedLayout l, Random r, int g, int n) {
        int bits = l.bits();
        int[] codes = new int[n];
        for (int i = 0; i < n; i++) codes[i] = bits == 0 ? 0 : bits == 16 ? randomFiniteFp16(r) : PackedLayoutsTest.randomCode(r, bits);
        byte[] p = new byte[P_OFF + (int) l.bytes(n) + 2];
        l.pack(codes, 0, n, p, P_OFF);
        short[] scales = new short[S_OFF + QuantizedVector.groups(n, g) + 1];
        for (int k = 0; k < scales.length; k++) {
            double mag = r.nextInt(10) == 0 ? 0 : Math.scalb(1 + r.nextDouble(), -r.nextInt(12));
            scales[k] = Float.floatToFloat16((float) (r.nextInt(8) == 0 ? -mag : mag));
        }
        float[] x = new float[X_OFF + n + 3];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        String what = bits + "-bit, g = " + g + ", n = " + n;

        // the plain definition: dequant(i) = fp16 scale · q (b = 16: the fp16 value), Σ in double
        float[] d = new float[n];
        double sum = 0;
        double absSum = 0;
        for (int i = 0; i < n; i++) {
            d[i] = dequant(bits, codes[i], scales, g, i);
            sum += (double) d[i] * x[X_OFF + i];
            absSum += Math.abs((double) d[i] * x[X_OFF + i]);
        }
        float ref = l.dotScalar(p, P_OFF, scales, S_OFF, g, n, x, X_OFF);
        assertEquals((float) sum, ref, 0f, what + ": dotScalar");
        float fast = l.dot(p, P_OFF, scales, S_OFF, g, n, x, X_OFF);
        double tol = 1e-5 * absSum + 1e-30;
        if (!(Math.abs((double) fast - ref) <= tol)) fail(what + ": dot " + fast + " vs reference " + ref + " (tolerance " + tol + ")");

        float alpha = (float) r.nextGaussian();
        float[] y0 = new float[X_OFF + n + 3];
        for (int i = 0; i < y0.length; i++) y0[i] = (float) r.nextGaussian();
        float[] yRef = y0.clone();
        float[] yFast = y0.clone();
        l.axpyScalar(alpha, p, P_OFF, scales, S_OFF, g, n, yRef, X_OFF);
        l.axpy(alpha, p, P_OFF, scales, S_OFF, g, n, yFast, X_OFF);
        for (int i = 0; i < y0.length; i++) {
            boolean inside = i >= X_OFF && i < X_OFF + n;
            float want = inside ? Math.fma(alpha, d[i - X_OFF], y0[i]) : y0[i];
            if (Float.floatToRawIntBits(want) != Float.floatToRawIntBits(yRef[i])) fail(what + ": axpyScalar element " + i + ": " + yRef[i] + " vs " + want);
            if (Float.floatToRawIntBits(yRef[i]) != Float.floatToRawIntBits(yFast[i])) fail(what + ": axpy element " + i + ": " + yFast[i] + " vs reference " + yRef[i]);
        }
    }

    private static float dequant(int bits, int code, short[] scales, int g, int i) {
        return switch (bits) {
            case 0 -> 0f;
            case 16 -> Float.float16ToFloat((short) code);
            default -> Float.float16ToFloat(scales[S_OFF + i / g]) * code;
        };
    }

    /** A random fp16 bit pattern that is not inf/NaN: zeros, subnormals and normals of both signs. */
    private static int randomFiniteFp16(Random r) {
        int h;
        do {
            h = r.nextInt(0x10000);
        } while ((h & 0x7C00) == 0x7C00 || (h & 0x7C00) > 0x5000); // finite, |h| < 64 so products stay modest
        return h;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 8})
    void dotOfQuantizedVectorApproximatesTheFloatDot(int bits) {
        // end to end: quantize u, then dot(x) is close to Σ u·x with the quantizer's error.
        Random r = new Random(bits);
        float[] u = SymmetricGroupQuantizerTest.gaussian(r, 1000, 0.05);
        float[] x = SymmetricGroupQuantizerTest.gaussian(r, 1000, 1.0);
        PackedVector v = PackedVector.fromQuantized(new SymmetricGroupQuantizer().quantize(u, 0, u.length, bits));
        double exact = 0;
        double norm = 0;
        for (int i = 0; i < u.length; i++) {
            exact += (double) u[i] * x[i];
            norm += (double) x[i] * x[i];
        }
        double err = Math.sqrt(SymmetricGroupQuantizer.distortion(u, bits) * norm); // Cauchy–Schwarz
        assertTrue(Math.abs(v.dot(x, 0) - exact) <= err + 1e-4, v.dot(x, 0) + " vs " + exact + " ± " + err);
    }
}
