package org.moelab.opencl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.moelab.compute.PackedRows;
import org.moelab.compute.ParitySuite;
import org.moelab.compute.ReferenceKernels;
import org.moelab.quant.PackedLayout;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The repack from the CPU layout to the device arrays: its words and scales, and its decode against the layout's. */
class RepackTest {

    /** Every element of the repacked form decodes (host side, {@link Repacked#value}) to the CPU layout's value. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 8, 16})
    void repackedValuesAreTheLayoutsValues(int bits) {
        Random r = new Random(bits);
        for (int g : ParitySuite.GROUP_SIZES) for (int count : ParitySuite.COUNTS) for (int n : ParitySuite.LENGTHS) {
            PackedRows w = ParitySuite.randomRows(r, bits, count, n, g, true);
            Repacked p = Repack.of(w);
            assertEquals((w.rowBytes() + 3) / 4, p.wordsPerRow());
            assertEquals(w.scalesPerRow(), p.scalesPerRow());
            float[] want = new float[count * n];
            ReferenceKernels.dequantize(w, want, 0);
            for (int j = 0; j < count; j++) {
                for (int i = 0; i < n; i++) {
                    float got = p.value(j, i);
                    float ref = want[j * n + i];
                    if (Float.isNaN(ref) && Float.isNaN(got)) continue;
                    int jj = j, ii = i;
                    assertEquals(Float.floatToRawIntBits(ref), Float.floatToRawIntBits(got),
                            () -> bits + "-bit (" + count + ", " + n + "), g = " + g + ": element (" + jj + ", " + ii + ")");
                }
            }
        }
    }

    /** A drawn example: rows start on word boundaries, bytes little-endian in a word, scales widened exactly. */
    @Test
    void wordsAndScalesOfASmallExample() {
        PackedLayout l = PackedLayout.forBits(4);
        // two rows of 5 codes: 3 bytes each → 1 word each, zero-padded
        byte[] p = new byte[7];
        l.pack(new int[] {-8, -7, 0, 7, 1}, 0, 5, p, 1);  // c = 0,1,8,15,9 → bytes 0x10, 0xF8, 0x09
        l.pack(new int[] {1, 2, 3, 4, 5}, 0, 5, p, 4);    // c = 9,10,11,12,13 → bytes 0xA9, 0xCB, 0x0D
        short[] s = {0, Float.floatToFloat16(0.5f), Float.floatToFloat16(-2f)};
        Repacked r = Repack.of(new PackedRows(l, 2, 5, 8, p, 1, s, 1));
        assertArrayEquals(new int[] {0x0009F810, 0x000DCBA9}, r.words());
        assertArrayEquals(new float[] {0.5f, -2f}, r.scales());
        assertEquals(1, r.wordsPerRow());
        assertEquals(-4f, r.value(0, 0));
        assertEquals(3.5f, r.value(0, 3));
        assertEquals(-10f, r.value(1, 4));
    }

    /** A 3-bit field that straddles two words (bits 30..32) is read from both. */
    @Test
    void threeBitFieldsStraddleWords() {
        PackedLayout l = PackedLayout.forBits(3);
        int[] codes = new int[12];
        for (int i = 0; i < 12; i++) codes[i] = (i % 8) - 4;
        byte[] p = l.pack(codes, 0, 12);
        Repacked r = Repack.of(PackedRows.of(l, 1, 12, 12, p, new short[] {Float.floatToFloat16(1f)}));
        assertEquals(2, r.wordsPerRow());
        for (int i = 0; i < 12; i++) assertEquals(codes[i], r.value(0, i), 0f, "element " + i);
    }
}
