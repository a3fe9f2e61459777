package org.moelab.mobie;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The compact file form of a packed binary matrix and of a CEJD backbone. */
class PackedStorageTest {

    static PackedBinaryMatrix binarized(SplittableRandom rnd, int rows, int cols, int block) {
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) w[i] = (float) (rnd.nextGaussian() * (rnd.nextInt(10) == 0 ? 4 : 1) + 0.1);
        Binarizer.Options o = new Binarizer.Options(block, 0.01, Math.min(8, block), true, 0.1, 0.9, 9, 2, false);
        return Binarizer.binarize(w, rows, cols, null, null, null, 0, o).packed();
    }

    @Test
    void encodeThenDecodeGivesTheSameMatrixAndTheHonestBitCount() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (int[] s : new int[][] {{3, 128, 128}, {5, 200, 64}, {4, 129, 37}, {2, 70, 128}}) {
            PackedBinaryMatrix p = binarized(rnd, s[0], s[1], s[2]);
            PackedStorage st = PackedStorage.encode(p);
            PackedBinaryMatrix q = st.decode();
            assertArrayEquals(p.dequantize(), q.dequantize(), "shape " + s[0] + "x" + s[1] + " block " + s[2]);
            float[] x = new float[s[1]];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            float[] a = new float[s[0]], b = new float[s[0]];
            p.matvec(x, 0, a, 0);
            q.matvec(x, 0, b, 0);
            assertArrayEquals(a, b);
            // stored bits (two planes, salient bitmap, fp16 params) = the honest count, up to word padding
            long words = st.salient().length + st.signs().length + st.groups().length;
            long padding = 64 * words - (2L * s[0] * s[1] + s[1]);
            assertEquals(p.honestBits(), 64 * words - padding + 16L * st.params().length);
            if (s[1] % 64 == 0 && s[1] % s[2] == 0 && s[2] % 64 == 0) assertEquals(0, padding);
        }
    }

    @Test
    void tablesThatDoNotFitFailNamingTheTable() {
        PackedStorage st = PackedStorage.encode(binarized(new SplittableRandom(1), 3, 100, 64));
        var e = assertThrows(IllegalArgumentException.class, () -> new PackedStorage(3, 100, 64, st.salient(),
                java.util.Arrays.copyOf(st.signs(), st.signs().length - 1), st.groups(), st.params()).decode());
        assertTrue(e.getMessage().startsWith("signs:"), e.getMessage());
        long[] groups = st.groups().clone();
        groups[groups.length - 1] |= 1L << 40; // block 1 is 36 columns wide: bit 40 is padding
        e = assertThrows(IllegalArgumentException.class, () -> new PackedStorage(3, 100, 64, st.salient(), st.signs(), groups, st.params()).decode());
        assertTrue(e.getMessage().contains("past the width"), e.getMessage());
        short[] params = st.params().clone();
        params[5] = Float.floatToFloat16(Float.NaN);
        e = assertThrows(IllegalArgumentException.class, () -> new PackedStorage(3, 100, 64, st.salient(), st.signs(), st.groups(), params).decode());
        assertTrue(e.getMessage().startsWith("params:"), e.getMessage());
    }

    @Test
    void theStoredBackboneIsItsCodesTimesTheFp16RowScales() {
        SplittableRandom rnd = new SplittableRandom(9);
        int k = 6;
        double[] b = new double[k * k];
        for (int i = 0; i < b.length; i++) b[i] = rnd.nextGaussian() * (1 + i / k);
        for (int j = 0; j < k; j++) b[2 * k + j] = 0; // an all-zero row
        Cejd.Backbone q = Cejd.Backbone.quantize(b, k, 8);
        for (int i = 0; i < k; i++) {
            double max = 0;
            for (int j = 0; j < k; j++) max = Math.max(max, Math.abs(b[i * k + j]));
            float scale = Float.float16ToFloat(Float.floatToFloat16((float) (max / 127)));
            for (int j = 0; j < k; j++) {
                double code = max == 0 ? 0 : Math.rint(b[i * k + j] / scale);
                assertEquals(code, q.codes()[i * k + j]);
                assertEquals((float) (code * scale), q.weights()[i * k + j]);
                assertEquals(b[i * k + j], q.weights()[i * k + j], scale / 2 + 1e-12);
            }
        }
        Cejd.Backbone again = new Cejd.Backbone(k, 8, q.codes().clone(), q.scales().clone());
        assertArrayEquals(q.weights(), again.weights(), "rebuilt from its tables, bit for bit");
        assertArrayEquals(q.dequantize(), Cejd.quantizeBackbone(b, k, 8));
        byte[] bad = q.codes().clone();
        bad[0] = -128;
        var e = assertThrows(IllegalArgumentException.class, () -> new Cejd.Backbone(k, 8, bad, q.scales()));
        assertTrue(e.getMessage().contains("exceeds"), e.getMessage());
    }
}
