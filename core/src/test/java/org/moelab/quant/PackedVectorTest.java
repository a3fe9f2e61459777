package org.moelab.quant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** PackedVector: the storage form of a QuantizedVector, its inverse, dequantization and bit accounting. */
class PackedVectorTest {

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 8, 16})
    void fromQuantizedRoundTripsAndDequantizesIdentically(int bits) {
        Random r = new Random(bits);
        for (int g : new int[] {128, 32, 5}) {
            for (int n : new int[] {1, 7, 8, 127, 128, 129, 256, 300}) {
                float[] u = SymmetricGroupQuantizerTest.gaussian(r, n, 0.05);
                QuantizedVector q = new SymmetricGroupQuantizer(SymmetricGroupQuantizer.Options.defaults().withGroupSize(g))
                        .quantize(u, 0, n, bits);
                PackedVector v = PackedVector.fromQuantized(q);
                String what = bits + "-bit, g = " + g + ", n = " + n;
                assertSame(PackedLayout.forBits(bits), v.layout());
                assertEquals(bits, v.bits());
                assertEquals(n, v.length());
                assertEquals(g, v.groupSize());
                assertEquals(v.layout().bytes(n), v.bytes().length, what);
                assertEquals(q, v.toQuantized(), what);
                assertEquals(v, PackedVector.fromQuantized(v.toQuantized()), what);

                float[] want = new float[n + 4];
                float[] got = new float[n + 4];
                q.dequantize(want, 2);
                v.dequantize(got, 2);
                assertArrayEquals(want, got, 0f, what);

                // the kernels on the vector agree with the dequantized values
                float[] x = SymmetricGroupQuantizerTest.gaussian(r, n, 1.0);
                double dot = 0;
                for (int i = 0; i < n; i++) dot += (double) want[2 + i] * x[i];
                assertEquals((float) dot, v.dotScalar(x, 0), 0f, what);
                float[] y = new float[n];
                v.axpy(0.5f, y, 0);
                for (int i = 0; i < n; i++) assertEquals(0.5f * want[2 + i], y[i], 0f, what);
            }
        }
    }

    @Test
    void storageBitsCountPayloadAndScales() {
        float[] u = SymmetricGroupQuantizerTest.gaussian(new Random(1), 300, 0.05);
        SymmetricGroupQuantizer qz = new SymmetricGroupQuantizer(); // g = 128: 300 elements are 3 groups
        for (int bits : SymmetricGroupQuantizer.WIDTHS) {
            PackedVector.StorageBits s = PackedVector.fromQuantized(qz.quantize(u, 0, 300, bits)).storageBits();
            assertEquals(300L * bits, s.payload(), bits + "-bit payload");
            long scaleBits = bits == 0 || bits == 16 ? 0 : 3 * 16;
            assertEquals(scaleBits, s.scales(), bits + "-bit scales");
            assertEquals(300L * bits + scaleBits, s.withScales());
        }
        // 3 bits, 300 elements: payload 900 bits (113 bytes stored, the 4 padding bits are not counted)
        PackedVector v = PackedVector.fromQuantized(qz.quantize(u, 0, 300, 3));
        assertEquals(113, v.bytes().length);
        assertEquals(new PackedVector.StorageBits(900, 48), v.storageBits());
        assertEquals(948, v.storageBits().withScales());
    }

    @Test
    void droppedVectorHasNoStorageAndDequantizesToZero() {
        QuantizedVector q = new SymmetricGroupQuantizer().quantize(new float[] {1f, -2f, 3f}, 0, 3, 0);
        PackedVector v = PackedVector.fromQuantized(q);
        assertEquals(0, v.bytes().length);
        assertEquals(0, v.scales().length);
        float[] out = {9f, 9f, 9f};
        v.dequantize(out, 0);
        assertArrayEquals(new float[3], out);
        assertEquals(0f, v.dot(new float[] {1f, 1f, 1f}, 0));
        assertEquals(q, v.toQuantized());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 8, 16})
    void emptyVectorHasNothingToStore(int bits) {
        QuantizedVector q = new SymmetricGroupQuantizer().quantize(new float[] {1f, 2f, 3f}, 2, 0, bits);
        assertEquals(0, q.length());
        assertEquals(0, q.codes().length);
        assertEquals(0, q.scales().length);
        PackedVector v = PackedVector.fromQuantized(q);
        assertEquals(0, v.bytes().length);
        assertEquals(new PackedVector.StorageBits(0, 0), v.storageBits());
        assertEquals(0f, v.dot(new float[0], 0));
        assertEquals(q, v.toQuantized());
    }

    @Test
    void constructorRejectsInconsistentSizes() {
        PackedLayout l4 = Packed4Bit.INSTANCE;
        // 10 elements at 4 bits: 5 bytes; g = 4: 3 scales
        new PackedVector(l4, new byte[5], new short[3], 10, 4);
        assertThrows(IllegalArgumentException.class, () -> new PackedVector(l4, new byte[6], new short[3], 10, 4));
        assertThrows(IllegalArgumentException.class, () -> new PackedVector(l4, new byte[5], new short[2], 10, 4));
        assertThrows(IllegalArgumentException.class, () -> new PackedVector(l4, new byte[5], new short[3], 10, 0));
        assertThrows(IllegalArgumentException.class, () -> new PackedVector(PackedFp16.INSTANCE, new byte[20], new short[3], 10, 4));
        assertThrows(IllegalArgumentException.class, () -> new QuantizedVector(4, 10, 4, new int[9], new short[3]));
        assertThrows(IllegalArgumentException.class, () -> new QuantizedVector(4, 10, 4, new int[10], new short[4]));
        assertThrows(IllegalArgumentException.class, () -> new QuantizedVector(5, 10, 4, new int[10], new short[3]));
    }
}
