package org.moelab.quant;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The int16 option for 16-bit components: layout kernels against the scalar reference, and the quantizer by hand. */
class PackedInt16Test {

    private static final PackedInt16 L = PackedInt16.INSTANCE;
    private static final int[] SIZES = {1, 7, 31, 127, 128, 129, 1000};
    private static final int[] GROUPS = {128, 64, 20, 7};

    @Test
    void fastPathsEqualTheScalarReference() {
        Random r = new Random(16);
        for (int g : GROUPS) {
            for (int n : SIZES) {
                int[] codes = new int[n];
                for (int i = 0; i < n; i++) codes[i] = r.nextInt(65535) - 32767;
                short[] scales = new short[2 + QuantizedVector.groups(n, g)];
                for (int k = 2; k < scales.length; k++) scales[k] = Float.floatToFloat16((float) Math.scalb(1 + r.nextDouble(), -20 + r.nextInt(8)));
                byte[] p = new byte[3 + 2 * n];
                L.pack(codes, 0, n, p, 3);
                int[] back = new int[n];
                L.unpack(p, 3, n, back, 0);
                assertArrayEquals(codes, back, "pack/unpack n = " + n);
                float[] x = new float[1 + n];
                for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
                String what = "g = " + g + ", n = " + n;
                // dot: float accumulation in another order; budget 1e-5 of Σ|dequant·x| (int16 × fp16 products in float)
                double mag = 0;
                float[] d = new float[n];
                L.dequantizeScalar(p, 3, scales, 2, g, n, d, 0);
                for (int i = 0; i < n; i++) mag += Math.abs((double) d[i] * x[1 + i]);
                float fast = L.dot(p, 3, scales, 2, g, n, x, 1);
                float ref = L.dotScalar(p, 3, scales, 2, g, n, x, 1);
                assertEquals(ref, fast, 1e-5 * mag + 1e-30, what);
                float[] y1 = x.clone();
                float[] y2 = x.clone();
                L.axpy(0.37f, p, 3, scales, 2, g, n, y1, 1);
                L.axpyScalar(0.37f, p, 3, scales, 2, g, n, y2, 1);
                assertArrayEquals(y2, y1, "axpy bit for bit, " + what);
                float[] o1 = new float[n];
                L.dequantize(p, 3, scales, 2, g, n, o1, 0);
                assertArrayEquals(d, o1, "dequantize bit for bit, " + what);
            }
        }
    }

    @Test
    void codesOutsideInt16AreRefused() {
        assertThrows(IllegalArgumentException.class, () -> L.pack(new int[] {32768}, 0, 1, new byte[2], 0));
        assertEquals(3, L.scaleCount(300, 128), "int16 stores a scale per group, unlike fp16");
        assertEquals(0, PackedFp16.INSTANCE.scaleCount(300, 128));
    }

    @Test
    void quantizerByHand() {
        SymmetricGroupQuantizer q = new SymmetricGroupQuantizer(SymmetricGroupQuantizer.Options.defaults().withGroupSize(4).withInt16(true));
        // group 1: absmax 1 → 1/32767 = 3.05185e-5, whose nearest fp16 is 512·2^-24 (below it, so the next one up: 513·2^-24)
        // group 2: absmax 3 → 9.15555e-5, nearest fp16 1536·2^-24 (below) → 1537·2^-24
        float[] x = {1f, -0.5f, 0.25f, 0f, 3f, -1f, 0.001f, 2.5f};
        QuantizedVector v = q.quantize(x, 0, x.length, 16);
        assertTrue(v.int16());
        float s1 = Math.scalb(513f, -24);
        float s2 = Math.scalb(1537f, -24);
        assertEquals(s1, v.scale(0));
        assertEquals(s2, v.scale(1));
        int[] want = {(int) Math.rint(1 / s1), (int) Math.rint(-0.5 / s1), (int) Math.rint(0.25 / s1), 0,
                (int) Math.rint(3 / s2), (int) Math.rint(-1 / s2), (int) Math.rint(0.001 / s2), (int) Math.rint(2.5 / s2)};
        assertArrayEquals(want, v.codes());
        assertEquals(32704, v.codes()[0]);
        assertEquals(32747, v.codes()[4]);
        PackedVector p = PackedVector.fromQuantized(v);
        assertEquals(PackedInt16.INSTANCE, p.layout());
        assertEquals(v, p.toQuantized());
        // finer than fp16 near the group maximum: 1 − 2^-13 falls between fp16 values (spacing 2^-11 below 1)
        float y = 1f - 0x1p-13f;
        float[] one = {y, 1f};
        double int16Err = Math.abs(q.quantize(one, 0, 2, 16).value(0) - y);
        double fp16Err = Math.abs(new SymmetricGroupQuantizer().quantize(one, 0, 2, 16).value(0) - y);
        assertTrue(int16Err * 8 <= fp16Err, "int16 " + int16Err + " vs fp16 " + fp16Err);
    }
}
