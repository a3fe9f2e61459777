package org.moelab.bitsmoe.execution;

import org.junit.jupiter.api.Test;
import org.moelab.bitsmoe.QuantizedLayer;
import org.moelab.model.MoeWeights;
import org.moelab.quant.PackedVector;
import org.moelab.tensor.Tensor;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Directions dropped in every expert: the runtime block keeps only the live basis rows (gate and up stacked
 * into one projection, down on its live columns) and must give the full-rank layer's output, while reading
 * exactly the dead rows' bytes less per token.
 */
class LiveDirectionsTest {

    private static final int HIDDEN = 40, RANK = 23, INTER = 31, EXPERTS = 6, TOP_K = 2;

    private static float[] gaussian(Random r, int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian() * scale;
        return v;
    }

    /** Random factors with directions {@code dead} dropped in every expert. */
    private static FactorizedExperts withDead(Random r, int... dead) {
        FactorizedExpertsTest.Projection p = FactorizedExpertsTest.Projection.random(r, EXPERTS, RANK, INTER, 16);
        PackedVector[] v = p.vectors();
        for (int e = 0; e < EXPERTS; e++) for (int k : dead) v[e * RANK + k] = null;
        return p.built();
    }

    private static int[] complement(int... dead) {
        return java.util.stream.IntStream.range(0, RANK).filter(k -> Arrays.stream(dead).noneMatch(d -> d == k)).toArray();
    }

    @Test
    void liveRowsGiveTheFullRankOutputAndReadLess() {
        for (BasisStorage storage : BasisStorage.values()) {
            Random r = new Random(5 + storage.ordinal());
            MoeWeights w = new MoeWeights(Tensor.ofFloats("router", gaussian(r, EXPERTS * HIDDEN, 1), EXPERTS, HIDDEN), List.of(), TOP_K, true, null, null);
            FactorizedExperts gate = withDead(r, 0, 5, 22);
            FactorizedExperts up = withDead(r, 3, 5);
            FactorizedExperts down = withDead(r, 1, 7);
            assertArrayEquals(complement(0, 5, 22), gate.liveDirections());
            assertArrayEquals(complement(3, 5), up.liveDirections());
            assertArrayEquals(complement(1, 7), down.liveDirections());
            SharedBasis gb = SharedBasis.of(gaussian(r, RANK * HIDDEN, 0.15f), RANK, HIDDEN, storage);
            SharedBasis ub = SharedBasis.of(gaussian(r, RANK * HIDDEN, 0.15f), RANK, HIDDEN, storage);
            SharedBasis db = SharedBasis.of(gaussian(r, RANK * HIDDEN, 0.2f), RANK, HIDDEN, storage);
            FactorizedMoeLayer live = new QuantizedLayer(0, RANK, HIDDEN, gb, ub, db, gate, up, down).block(w);
            FactorizedMoeLayer full = new FactorizedMoeLayer(w, gb.projection("g"), ub.projection("u"), db.expansion("d"), gate, up, down);
            for (int n : new int[] {1, 3}) {
                float[] x = gaussian(r, n * HIDDEN, 1);
                float[] want = new float[n * HIDDEN];
                full.forwardReference(x, n, want);
                double top = 0;
                for (float v : want) top = Math.max(top, Math.abs(v));
                assertTrue(top > 0);
                float[] ref = new float[n * HIDDEN];
                float[] fast = new float[n * HIDDEN];
                Arrays.fill(fast, Float.NaN);
                live.forwardReference(x, n, ref);
                live.forward(x, n, fast, 0, null);
                for (int i = 0; i < want.length; i++) {
                    String what = storage + ", n = " + n + ", element " + i;
                    assertEquals(want[i], ref[i], 1e-5 * top, "reference, " + what);
                    assertEquals(want[i], fast[i], 1e-4 * top, "fast, " + what);
                }
            }
            double row = storage == BasisStorage.INT8 ? HIDDEN + 2 * SharedBasis.groups(HIDDEN) : HIDDEN * storage.bitsPerElement() / 8;
            assertEquals(full.bytesPerToken(TOP_K) - 7 * row, live.bytesPerToken(TOP_K), 1e-9, storage + ": 3 + 2 + 2 dead rows not read");
        }
    }

    @Test
    void aStoredDirectionThatIsNotProjectedIsRefused() {
        Random r = new Random(3);
        MoeWeights w = new MoeWeights(Tensor.ofFloats("router", gaussian(r, EXPERTS * HIDDEN, 1), EXPERTS, HIDDEN), List.of(), TOP_K, true, null, null);
        FactorizedExperts gate = withDead(r, 4);
        FactorizedExperts up = withDead(r);
        FactorizedExperts down = withDead(r);
        SharedBasis b = SharedBasis.of(gaussian(r, RANK * HIDDEN, 0.1f), RANK, HIDDEN, BasisStorage.F32);
        InputProjection missing = InputProjection.stacked(b, complement(4, 9), b, up.liveDirections());
        var e = assertThrows(IllegalArgumentException.class, () -> new FactorizedMoeLayer(w, missing, b.expansion("d"), gate, up, down));
        assertEquals("gate direction 9 is stored by an expert but not projected", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> InputProjection.stacked(b, new int[] {3, 2}, b, up.liveDirections()), "not increasing");
        SharedBasis wide = SharedBasis.of(gaussian(r, RANK * (HIDDEN + 1), 0.1f), RANK, HIDDEN + 1, BasisStorage.F32);
        var h = assertThrows(IllegalArgumentException.class, () -> new FactorizedMoeLayer(w,
                InputProjection.stacked(wide, gate.liveDirections(), wide, up.liveDirections()), b.expansion("d"), gate, up, down));
        assertEquals("bases take 41 and give 40 values, the router's hidden size is 40", h.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BasisOp.onColumns(b.expansion("d"), new int[] {0, 1}, RANK), "column count");
        int[] twice = new int[RANK];
        var d = assertThrows(IllegalArgumentException.class, () -> BasisOp.onColumns(b.expansion("d"), twice, RANK), "a column twice");
        assertTrue(d.getMessage().startsWith("down live directions must increase"), d.getMessage());
    }

    @Test
    void noLiveDirectionGivesZeros() {
        Random r = new Random(4);
        for (BasisStorage storage : BasisStorage.values()) {
            SharedBasis b = SharedBasis.of(gaussian(r, RANK * HIDDEN, 0.1f), RANK, HIDDEN, storage);
            InputProjection none = InputProjection.stacked(b, new int[0], b, new int[0]);
            float[] hg = gaussian(r, RANK, 1);
            float[] hu = gaussian(r, RANK, 1);
            none.apply(gaussian(r, HIDDEN, 1), 1, hg, hu);
            assertArrayEquals(new float[RANK], hg, storage.toString());
            assertArrayEquals(new float[RANK], hu, storage.toString());
            assertEquals(0, none.bytes(), storage + ": nothing to read");
            int[] all = java.util.stream.IntStream.range(0, RANK).toArray();
            MoeWeights w = new MoeWeights(Tensor.ofFloats("router", gaussian(r, EXPERTS * HIDDEN, 1), EXPERTS, HIDDEN), List.of(), TOP_K, true, null, null);
            FactorizedMoeLayer empty = new QuantizedLayer(0, RANK, HIDDEN, b, b, b, withDead(r, all), withDead(r, all), withDead(r, all)).block(w);
            for (int n : new int[] {1, 2}) {
                float[] y = gaussian(r, n * HIDDEN, 1);
                empty.forward(gaussian(r, n * HIDDEN, 1), n, y, 0, null);
                assertArrayEquals(new float[n * HIDDEN], y, storage + ": every component dropped, n = " + n);
            }
            assertEquals(empty.bytesPerToken(TOP_K), 0, 1e-9, storage + ": no basis row, no component");
            assertThrows(IllegalArgumentException.class, () -> BasisOp.onColumns(b.expansion("d"), new int[0], RANK));
        }
    }

    @Test
    void selectAndConcatKeepInt8BytesAndRefuseMixedStorage() {
        Random r = new Random(9);
        SharedBasis a = SharedBasis.of(gaussian(r, 7 * 130, 1), 7, 130, BasisStorage.INT8);
        SharedBasis b = SharedBasis.of(gaussian(r, 3 * 130, 1), 3, 130, BasisStorage.INT8);
        SharedBasis picked = a.select(new int[] {1, 4, 6});
        int ns = SharedBasis.groups(130);
        for (int j = 0; j < 3; j++) {
            int k = new int[] {1, 4, 6}[j];
            assertArrayEquals(Arrays.copyOfRange(a.codes(), k * 130, (k + 1) * 130), Arrays.copyOfRange(picked.codes(), j * 130, (j + 1) * 130));
            assertArrayEquals(Arrays.copyOfRange(a.scales(), k * ns, (k + 1) * ns), Arrays.copyOfRange(picked.scales(), j * ns, (j + 1) * ns));
        }
        SharedBasis both = SharedBasis.concat(picked, b);
        assertEquals(6, both.rank());
        float[] want = Arrays.copyOf(picked.values(), 6 * 130);
        System.arraycopy(b.values(), 0, want, 3 * 130, 3 * 130);
        assertArrayEquals(want, both.values());
        assertTrue(a.select(new int[] {0, 1, 2, 3, 4, 5, 6}) == a, "all rows in order: the same basis");
        SharedBasis f = SharedBasis.of(gaussian(r, 130, 1), 1, 130, BasisStorage.F32);
        var e = assertThrows(IllegalArgumentException.class, () -> SharedBasis.concat(a, f));
        assertEquals("cannot stack a INT8 (7, 130) basis on a F32 (1, 130) one", e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> a.select(new int[] {7}));
    }
}
