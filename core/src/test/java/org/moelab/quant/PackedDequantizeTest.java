package org.moelab.quant;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link PackedLayout#dequantize} (Vector API) against {@link PackedLayout#dequantizeScalar} bit for bit (a NaN
 * only as a NaN: the fp16 vector decode keeps no NaN payload promise), and the
 * scalar one against {@link QuantizedVector#dequantize}: every length 1..300 and group sizes off the vector width
 * and off byte boundaries, offsets > 0, then random cases so that the fast path also runs JIT-compiled.
 */
class PackedDequantizeTest {

    private static final int[] GROUP_SIZES = {128, 64, 20, 7};

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 8, 16})
    void fastPathIsTheScalarReferenceBitForBit(int bits) {
        PackedLayout l = PackedLayout.forBits(bits);
        Random r = new Random(7 * bits + 3);
        for (int g : GROUP_SIZES) for (int n = 1; n <= 300; n++) check(l, r, g, n);
        for (int k = 0; k < 4000; k++) check(l, r, GROUP_SIZES[r.nextInt(GROUP_SIZES.length)], 1 + r.nextInt(600));
    }

    private static void check(PackedLayout l, Random r, int g, int n) {
        int bits = l.bits();
        int[] codes = new int[bits == 0 ? 0 : n];
        for (int i = 0; i < codes.length; i++) codes[i] = bits == 16 ? r.nextInt(0x10000) : PackedLayoutsTest.randomCode(r, bits);
        short[] scales = new short[bits == 0 || bits == 16 ? 0 : QuantizedVector.groups(n, g)];
        for (int k = 0; k < scales.length; k++) scales[k] = Float.floatToFloat16((float) ((r.nextBoolean() ? -1 : 1) * Math.scalb(1 + r.nextDouble(), -r.nextInt(12))));
        byte[] p = new byte[3 + (int) l.bytes(n) + 1];
        l.pack(codes, 0, codes.length, p, 3);
        short[] s = new short[2 + scales.length];
        System.arraycopy(scales, 0, s, 2, scales.length);
        float[] fast = new float[5 + n + 1];
        float[] scalar = new float[5 + n + 1];
        float[] plain = new float[n];
        l.dequantize(p, 3, s, 2, g, n, fast, 5);
        l.dequantizeScalar(p, 3, s, 2, g, n, scalar, 5);
        new QuantizedVector(bits, n, g, codes, scales).dequantize(plain, 0);
        for (int i = 0; i < n; i++) {
            int at = i;
            // NaN payloads: the fp16 vector decode does not promise float16ToFloat's NaN bits, only NaN
            if (Float.isNaN(scalar[5 + i]) && Float.isNaN(fast[5 + i]) && Float.isNaN(plain[i])) continue;
            assertEquals(Float.floatToRawIntBits(scalar[5 + i]), Float.floatToRawIntBits(fast[5 + i]),
                    () -> bits + "-bit, g = " + g + ", n = " + n + ": element " + at + " fast " + fast[5 + at] + " scalar " + scalar[5 + at]);
            assertEquals(Float.floatToRawIntBits(plain[i]), Float.floatToRawIntBits(scalar[5 + i]),
                    () -> bits + "-bit, g = " + g + ", n = " + n + ": element " + at + " scalar " + scalar[5 + at] + " definition " + plain[at]);
        }
        assertEquals(0f, fast[4]);
        assertEquals(0f, fast[5 + n]);
    }
}
