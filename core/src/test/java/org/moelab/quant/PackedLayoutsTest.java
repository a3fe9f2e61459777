package org.moelab.quant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The byte layouts: bit placement as drawn in each class, pack/unpack round trips, and range checks. */
class PackedLayoutsTest {

    static final int[] LENGTHS = {0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 24, 31, 33, 63, 64, 65, 127, 128, 129, 200, 255, 256, 257, 300};

    /** Smallest and largest code the layout stores. */
    static int lo(int bits) {
        return bits == 16 ? 0 : bits == 1 ? -1 : -(1 << (bits - 1));
    }

    static int hi(int bits) {
        return bits == 16 ? 0xFFFF : bits == 1 ? 1 : (1 << (bits - 1)) - 1;
    }

    static int randomCode(Random r, int bits) {
        if (bits == 1) return r.nextBoolean() ? 1 : -1;
        return lo(bits) + r.nextInt(hi(bits) - lo(bits) + 1);
    }

    @Test
    void forBitsReturnsTheSingletons() {
        assertSame(Packed0Bit.INSTANCE, PackedLayout.forBits(0));
        assertSame(Packed1Bit.INSTANCE, PackedLayout.forBits(1));
        assertSame(Packed2Bit.INSTANCE, PackedLayout.forBits(2));
        assertSame(Packed3Bit.INSTANCE, PackedLayout.forBits(3));
        assertSame(Packed4Bit.INSTANCE, PackedLayout.forBits(4));
        assertSame(Packed8Bit.INSTANCE, PackedLayout.forBits(8));
        assertSame(PackedFp16.INSTANCE, PackedLayout.forBits(16));
        for (int b : SymmetricGroupQuantizer.WIDTHS) assertEquals(b, PackedLayout.forBits(b).bits());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PackedLayout.forBits(5));
        assertEquals("no packed layout for 5 bits; expected 0, 1, 2, 3, 4, 8 or 16", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 8, 16})
    void bytesIsCeilOfLengthTimesBitsOverEight(int bits) {
        PackedLayout l = PackedLayout.forBits(bits);
        for (int n = 0; n <= 1000; n++) assertEquals((n * bits + 7) / 8, l.bytes(n), "n = " + n);
        assertEquals(((long) Integer.MAX_VALUE * bits + 7) / 8, l.bytes(Integer.MAX_VALUE)); // no int overflow
        assertThrows(IllegalArgumentException.class, () -> l.bytes(-1));
    }

    /** Hand-packed bytes, following the drawings in each layout's javadoc. */
    @Test
    void bitPlacementMatchesTheDrawings() {
        // b = 1: s = 1 for +1, element 0 in bit 0: + − − + + + − +  →  bits 0,3,4,5,7 = 1+8+16+32+128 = 0xB9;
        // a ninth element −1 makes a second byte whose padding bits are 0.
        assertArrayEquals(bytes(0xB9, 0x00), Packed1Bit.INSTANCE.pack(new int[] {1, -1, -1, 1, 1, 1, -1, 1, -1}, 0, 9));
        // b = 2: c = q + 2; q = −2 −1 0 1 → c = 0 1 2 3 → 0 | 1<<2 | 2<<4 | 3<<6 = 0xE4; then q = 1 → c = 3 → 0x03.
        assertArrayEquals(bytes(0xE4, 0x03), Packed2Bit.INSTANCE.pack(new int[] {-2, -1, 0, 1, 1}, 0, 5));
        // b = 3: c = q + 4 = 0..7 as one little-endian stream Σ c_i << 3i = 0xFAC688 → 88 C6 FA.
        assertArrayEquals(bytes(0x88, 0xC6, 0xFA), Packed3Bit.INSTANCE.pack(new int[] {-4, -3, -2, -1, 0, 1, 2, 3}, 0, 8));
        // two codes q = 3 (c = 7): bits 0..5 set = 0x3F, the padding bits 6, 7 are 0.
        assertArrayEquals(bytes(0x3F), Packed3Bit.INSTANCE.pack(new int[] {3, 3}, 0, 2));
        // three codes q = 3: bits 0..8 → 0xFF, 0x01.
        assertArrayEquals(bytes(0xFF, 0x01), Packed3Bit.INSTANCE.pack(new int[] {3, 3, 3}, 0, 3));
        // b = 4: c = q + 8, even element low nibble: (−8, 7) → 0x0 | 0xF<<4 = 0xF0; lone 1 → c = 9 → 0x09.
        assertArrayEquals(bytes(0xF0, 0x09), Packed4Bit.INSTANCE.pack(new int[] {-8, 7, 1}, 0, 3));
        // b = 8: c = q + 128.
        assertArrayEquals(bytes(0x00, 0x80, 0xFF, 0x7F), Packed8Bit.INSTANCE.pack(new int[] {-128, 0, 127, -1}, 0, 4));
        // b = 16: the fp16 bits little-endian.
        assertArrayEquals(bytes(0x00, 0x3C, 0xCD, 0xAB), PackedFp16.INSTANCE.pack(new int[] {0x3C00, 0xABCD}, 0, 2));
        assertEquals(0, Packed0Bit.INSTANCE.pack(new int[] {5, 6}, 0, 2).length);
    }

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) b[i] = (byte) v[i];
        return b;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 8, 16})
    void packUnpackRoundTripsAtOffsets(int bits) {
        PackedLayout l = PackedLayout.forBits(bits);
        Random r = new Random(bits);
        for (int n : LENGTHS) {
            for (int off : new int[] {0, 1, 5}) {
                int[] codes = new int[off + n + 3];
                for (int i = 0; i < codes.length; i++) codes[i] = randomCode(r, bits);
                if (n > 1) { // both extremes appear
                    codes[off] = lo(bits);
                    codes[off + n - 1] = hi(bits);
                }
                int nb = (int) l.bytes(n);
                int pOff = 2 * off + 1;
                byte[] dst = new byte[pOff + nb + 4];
                Arrays.fill(dst, (byte) 0x5A); // pack must overwrite every byte it owns, padding bits to 0
                l.pack(codes, off, n, dst, pOff);
                for (int k = 0; k < pOff; k++) assertEquals((byte) 0x5A, dst[k], "byte before the vector");
                for (int k = pOff + nb; k < dst.length; k++) assertEquals((byte) 0x5A, dst[k], "byte after the vector");
                assertArrayEquals(l.pack(codes, off, n), Arrays.copyOfRange(dst, pOff, pOff + nb), "n = " + n);
                if (n * bits % 8 != 0) {
                    int used = n * bits % 8;
                    assertEquals(0, (dst[pOff + nb - 1] & 0xFF) >>> used, "padding bits of the last byte, n = " + n);
                }
                int cOff = off + 2;
                int[] back = new int[cOff + n + 2];
                Arrays.fill(back, 99);
                l.unpack(dst, pOff, n, back, cOff);
                assertArrayEquals(Arrays.copyOfRange(codes, off, off + n), Arrays.copyOfRange(back, cOff, cOff + n), "n = " + n + " off = " + off);
                for (int k = 0; k < cOff; k++) assertEquals(99, back[k]);
                for (int k = cOff + n; k < back.length; k++) assertEquals(99, back[k]);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 8, 16})
    void outOfRangeCodesAreRejected(int bits) {
        PackedLayout l = PackedLayout.forBits(bits);
        int[] bad = bits == 1 ? new int[] {0, 2, -2} : new int[] {lo(bits) - 1, hi(bits) + 1, Integer.MIN_VALUE, Integer.MAX_VALUE};
        for (int b : bad) {
            int[] codes = new int[20];
            Arrays.fill(codes, bits == 1 ? 1 : 0);
            codes[13] = b;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> l.pack(codes, 0, 20), "code " + b);
            assertTrue(e.getMessage().contains("element 13"), e.getMessage());
            assertTrue(e.getMessage().contains(Integer.toString(b)), e.getMessage());
            l.pack(codes, 0, 13); // the bad code lies outside the slice
        }
    }

    @Test
    void sliceBoundsAreChecked() {
        for (int bits : new int[] {1, 2, 3, 4, 8, 16}) {
            PackedLayout l = PackedLayout.forBits(bits);
            int[] codes = new int[10];
            Arrays.fill(codes, bits == 1 ? 1 : 0);
            assertThrows(IndexOutOfBoundsException.class, () -> l.pack(codes, 5, 6));
            assertThrows(IndexOutOfBoundsException.class, () -> l.pack(codes, 0, 10, new byte[(int) l.bytes(10)], 1));
            assertThrows(IndexOutOfBoundsException.class, () -> l.unpack(new byte[(int) l.bytes(10) - 1], 0, 10, new int[10], 0));
            assertThrows(IndexOutOfBoundsException.class, () -> l.unpack(new byte[(int) l.bytes(10)], 0, 10, new int[10], 1));
        }
    }

    @Test
    void zeroBitLayoutIsAllZeros() {
        PackedLayout l = Packed0Bit.INSTANCE;
        int[] codes = {7, 7, 7, 7, 7};
        l.unpack(new byte[0], 0, 3, codes, 1);
        assertArrayEquals(new int[] {7, 0, 0, 0, 7}, codes);
        float[] x = {1f, 2f, 3f};
        assertEquals(0f, l.dot(new byte[0], 0, new short[0], 0, 128, 3, x, 0));
        assertEquals(0f, l.dotScalar(new byte[0], 0, new short[0], 0, 128, 3, x, 0));
        l.axpy(2f, new byte[0], 0, new short[0], 0, 128, 3, x, 0);
        l.axpyScalar(2f, new byte[0], 0, new short[0], 0, 128, 3, x, 0);
        assertArrayEquals(new float[] {1f, 2f, 3f}, x);
    }

    /**
     * The fast path's fp16 decode against {@link Float#float16ToFloat} for all 65536 bit patterns: bit-exact for
     * zeros, subnormals, normals and infinities; NaN stays NaN (the quantizer never stores one).
     */
    @Test
    void fp16VectorDecodeIsBitExactForEveryPattern() {
        int[] all = new int[65536];
        for (int h = 0; h < all.length; h++) all[h] = h;
        byte[] p = PackedFp16.INSTANCE.pack(all, 0, all.length);
        MemorySegment seg = MemorySegment.ofArray(p);
        int s = PackedFp16.F.length();
        float[] lanes = new float[s];
        for (int h = 0; h < all.length; h += s) {
            PackedFp16.chunk(seg, 2L * h).intoArray(lanes, 0);
            for (int j = 0; j < s; j++) {
                int bitsOf = h + j;
                float want = Float.float16ToFloat((short) bitsOf);
                if (Float.isNaN(want)) { // float16ToFloat itself keeps or sets the quiet bit (Java code vs x86 intrinsic)
                    assertTrue(Float.isNaN(lanes[j]), () -> "fp16 bits 0x" + Integer.toHexString(bitsOf));
                } else {
                    assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(lanes[j]), () -> "fp16 bits 0x" + Integer.toHexString(bitsOf));
                }
            }
        }
    }
}
