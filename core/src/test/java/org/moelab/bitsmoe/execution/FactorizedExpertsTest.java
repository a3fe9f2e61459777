package org.moelab.bitsmoe.execution;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.moelab.model.MoeWeights;
import org.moelab.quant.BitPlaneLut;
import org.moelab.quant.PackedLayout;
import org.moelab.quant.PackedVector;
import org.moelab.quant.QuantizedVector;
import org.moelab.tensor.Tensor;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The grouped execution storage of {@link FactorizedExperts}: the fused per-width expansion and contraction
 * against the one-component-at-a-time scalar reference, for mixed widths (every stored width and dropped
 * components in one expert) and awkward intermediate sizes; the builder (pack stage, artifact loader) and the
 * public constructor give the same groups and bit-identical results; the component views hand back the
 * vectors they were built from; the layer's forward agrees with its scalar reference.
 */
class FactorizedExpertsTest {

    private static final int[] WIDTHS = {0, 1, 2, 3, 4, 8, 16};

    /** A random projection: units of random width (0 = dropped), random s, packed vectors. */
    record Projection(int experts, int rank, int inter, int g, float[] s, PackedVector[] vectors) {

        static Projection random(Random r, int experts, int rank, int inter, int g) {
            int units = experts * rank;
            float[] s = new float[units];
            PackedVector[] v = new PackedVector[units];
            for (int u = 0; u < units; u++) {
                int b = WIDTHS[r.nextInt(WIDTHS.length)];
                if (b == 0) continue;
                s[u] = Float.float16ToFloat(Float.floatToFloat16((float) Math.abs(r.nextGaussian()) + 0.1f));
                v[u] = PackedVector.fromQuantized(randomVector(r, b, inter, g));
            }
            return new Projection(experts, rank, inter, g, s, v);
        }

        FactorizedExperts built() {
            FactorizedExperts.Builder b = FactorizedExperts.builder(experts, rank, inter, g);
            for (int u = 0; u < vectors.length; u++) if (vectors[u] != null) b.add(u, s[u], vectors[u]);
            return b.build();
        }

        FactorizedExperts constructed() {
            Component[] c = new Component[vectors.length];
            for (int u = 0; u < c.length; u++) if (vectors[u] != null) c[u] = new PackedComponent(vectors[u]);
            return new FactorizedExperts(experts, rank, inter, s.clone(), c);
        }

        /** As the artifact loader does it: per width one payload and one scales array, units in order. */
        FactorizedExperts loaded() {
            FactorizedExperts.Builder b = FactorizedExperts.builder(experts, rank, inter, g);
            for (int w : WIDTHS) {
                if (w == 0) continue;
                ByteArrayOutputStream payload = new ByteArrayOutputStream();
                List<Short> sc = new ArrayList<>();
                List<Integer> units = new ArrayList<>();
                for (int u = 0; u < vectors.length; u++) {
                    if (vectors[u] == null || vectors[u].bits() != w) continue;
                    payload.writeBytes(vectors[u].bytes());
                    for (short x : vectors[u].scales()) sc.add(x);
                    units.add(u);
                }
                byte[] p = payload.toByteArray();
                short[] scales = new short[sc.size()];
                for (int i = 0; i < scales.length; i++) scales[i] = sc.get(i);
                PackedLayout l = PackedLayout.forBits(w);
                int vb = Math.toIntExact(l.bytes(inter));
                int vs = l.scaleCount(inter, g);
                for (int i = 0; i < units.size(); i++) b.add(units.get(i), s[units.get(i)], l, p, i * vb, scales, i * vs);
            }
            return b.build();
        }
    }

    static QuantizedVector randomVector(Random r, int bits, int n, int g) {
        int[] codes = new int[n];
        for (int i = 0; i < n; i++) codes[i] = bits == 16 ? Float.floatToFloat16((float) (0.1 * r.nextGaussian())) & 0xFFFF : FusedKernelsTest.randomCode(r, bits);
        short[] scales = new short[bits == 16 ? 0 : (n + g - 1) / g];
        for (int k = 0; k < scales.length; k++) scales[k] = Float.floatToFloat16((float) (0.02 * (1 + r.nextDouble())));
        return new QuantizedVector(bits, n, g, codes, scales);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 31, 127, 129, 1000})
    void fusedExpandAndContractMatchTheScalarReference(int inter) {
        Random r = new Random(inter);
        for (int g : new int[] {128, 64, 16, 7}) {
            Projection pr = Projection.random(r, 3, 23, inter, g);
            FactorizedExperts f = pr.built();
            FactorizedExperts c = pr.constructed();
            FactorizedExperts l = pr.loaded();
            float[] h = gaussian(r, 2 + pr.rank());
            float[] z = gaussian(r, inter);
            for (int e = 0; e < pr.experts(); e++) {
                String what = "I = " + inter + ", g = " + g + ", expert " + e;
                float[] ref = new float[inter];
                f.expandReference(e, h, 2, ref);
                float[] fast = new float[inter];
                f.expand(e, h, 2, fast, new float[f.scratchLength()]);
                double mag = 0;
                for (int k = 0; k < pr.rank(); k++) {
                    PackedVector v = pr.vectors()[e * pr.rank() + k];
                    if (v != null) mag += Math.abs(pr.s()[e * pr.rank() + k] * h[2 + k]) * maxAbs(v) * 2;
                }
                close(ref, fast, 1e-5 * mag + 1e-30, what + ": expand");
                float[] viaCtor = new float[inter];
                c.expand(e, h, 2, viaCtor, new float[c.scratchLength()]);
                assertArrayEquals(fast, viaCtor, what + ": builder and constructor give the same groups");
                float[] viaLoad = new float[inter];
                l.expand(e, h, 2, viaLoad, new float[l.scratchLength()]);
                assertArrayEquals(fast, viaLoad, what + ": loader-style builder gives the same groups");

                float[] accRef = new float[3 + pr.rank()];
                float[] accFast = accRef.clone();
                float[] accCtor = accRef.clone();
                f.contractReference(e, z, 0.7f, accRef, 3);
                f.contract(e, z, 0.7f, accFast, 3, new float[f.scratchLength()]);
                c.contract(e, z, 0.7f, accCtor, 3, new float[c.scratchLength()]);
                double zMag = 0;
                for (float v : z) zMag += Math.abs(v);
                for (int k = 0; k < accRef.length; k++) {
                    PackedVector v = k < 3 ? null : pr.vectors()[e * pr.rank() + k - 3];
                    if (v == null) {
                        assertEquals(0f, accFast[k], what + ": contract touched dropped or foreign entry " + k);
                        continue;
                    }
                    double tol = 1e-5 * 0.7 * pr.s()[e * pr.rank() + k - 3] * maxAbs(v) * 2 * zMag + 1e-30;
                    if (!(Math.abs(accFast[k] - accRef[k]) <= tol)) fail(what + ": contract entry " + k + ": " + accFast[k] + " vs " + accRef[k]);
                }
                assertArrayEquals(accFast, accCtor, what + ": builder and constructor contract alike");
            }
        }
    }

    @Test
    void tableLookupGroupsMatchTheReferenceAndHandBackTheirVectors() {
        // ~85 components per width: large enough for the table-lookup repack (BitPlaneLut.pays) in both directions
        Random r = new Random(77);
        for (int g : new int[] {128, 32}) {
            Projection pr = Projection.random(r, 2, 600, 129, g);
            float[] h = gaussian(r, pr.rank());
            float[] z = gaussian(r, 129);
            for (BitPlaneLut.Direction d : BitPlaneLut.Direction.values()) {
                FactorizedExperts f = pr.built();
                float[][] refOut = new float[2][129];
                float[][] refAcc = new float[2][pr.rank()];
                for (int e = 0; e < 2; e++) {
                    f.expandReference(e, h, 0, refOut[e]);
                    f.contractReference(e, z, 0.5f, refAcc[e], 0);
                }
                f.prepare(d);
                f.prepare(d); // idempotent
                boolean tables = false;
                for (int u = 0; u < pr.vectors().length; u++) {
                    PackedVector v = pr.vectors()[u];
                    if (v == null) continue;
                    PackedComponent c = (PackedComponent) f.components()[u];
                    tables |= c.toString().contains("table view");
                    assertEquals(v, c.vector(), d + ", g = " + g + ": unit " + u + " rebuilt from the tables");
                    assertEquals(v, ((PackedComponent) f.component(u / pr.rank(), u % pr.rank())).vector());
                }
                assertEquals(BitPlaneLut.FAST && BitPlaneLut.enabled(), tables, d + ": groups repacked exactly where the table kernel runs");
                for (int e = 0; e < 2; e++) {
                    // both products, the prepared one and the other (rebuilt per call), against the reference
                    float[] out = new float[129];
                    f.expand(e, h, 0, out, new float[f.scratchLength()]);
                    double mag = 0;
                    for (float v : refOut[e]) mag = Math.max(mag, Math.abs(v));
                    close(refOut[e], out, 2e-5 * mag * Math.sqrt(pr.rank()), d + ", g = " + g + ", expert " + e + ": expand");
                    float[] acc = new float[pr.rank()];
                    f.contract(e, z, 0.5f, acc, 0, new float[f.scratchLength()]);
                    double am = 0;
                    for (float v : refAcc[e]) am = Math.max(am, Math.abs(v));
                    close(refAcc[e], acc, 2e-5 * am * Math.sqrt(129), d + ", g = " + g + ", expert " + e + ": contract");
                }
            }
        }
    }

    @Test
    void viewsHandBackTheirVectorsAndCountTheirBytes() {
        Random r = new Random(5);
        Projection pr = Projection.random(r, 4, 17, 129, 64);
        FactorizedExperts f = pr.built();
        int stored = 0;
        for (int u = 0; u < pr.vectors().length; u++) {
            PackedVector v = pr.vectors()[u];
            Component c = f.components()[u];
            if (v == null) {
                assertNull(c, "dropped unit " + u);
                assertEquals(0f, f.scales()[u]);
                continue;
            }
            stored++;
            PackedComponent p = (PackedComponent) c;
            assertEquals(v, p.vector(), "unit " + u);
            assertEquals(v.bits(), p.bits());
            assertEquals(v.bytes().length + 2L * v.scales().length, p.bytes());
            assertEquals(pr.s()[u], f.scales()[u]);
            float[] x = gaussian(r, 129);
            assertEquals(v.dot(x, 0), p.dot(x, 0), "view dot runs the same kernel");
        }
        int sum = 0;
        for (int e = 0; e < 4; e++) sum += f.stored(e);
        assertEquals(stored, sum);
        assertTrue(f.scratchLength() <= 17);
    }

    @Test
    void denseComponentsRunAsADenseGroup() {
        Random r = new Random(9);
        int e = 2, rank = 11, inter = 37;
        float[] s = gaussian(r, e * rank);
        Component[] c = new Component[e * rank];
        for (int u = 0; u < c.length; u++) if (u % 4 != 1) c[u] = new DenseComponent(gaussian(r, inter), 32);
        FactorizedExperts f = new FactorizedExperts(e, rank, inter, s, c);
        float[] h = gaussian(r, rank);
        float[] z = gaussian(r, inter);
        for (int x = 0; x < e; x++) {
            float[] ref = new float[inter];
            float[] fast = new float[inter];
            f.expandReference(x, h, 0, ref);
            f.expand(x, h, 0, fast, new float[f.scratchLength()]);
            close(ref, fast, 1e-4, "dense expand");
            float[] a = new float[rank];
            float[] b = new float[rank];
            f.contractReference(x, z, 1.3f, a, 0);
            f.contract(x, z, 1.3f, b, 0, new float[f.scratchLength()]);
            close(a, b, 1e-4, "dense contract");
        }
    }

    @Test
    void builderRejectsBadUnits() {
        FactorizedExperts.Builder b = FactorizedExperts.builder(2, 3, 10, 128);
        PackedVector v = PackedVector.fromQuantized(randomVector(new Random(1), 2, 10, 128));
        b.add(4, 1f, v);
        assertThrows(IllegalArgumentException.class, () -> b.add(4, 1f, v), "twice");
        assertThrows(IndexOutOfBoundsException.class, () -> b.add(6, 1f, v), "unit out of range");
        PackedVector longer = PackedVector.fromQuantized(randomVector(new Random(1), 2, 11, 128));
        assertThrows(IllegalArgumentException.class, () -> b.add(0, 1f, longer), "wrong length");
        assertThrows(IndexOutOfBoundsException.class, () -> b.add(1, 1f, PackedLayout.forBits(4), new byte[4], 0, new short[1], 0), "payload short");
        FactorizedExperts f = b.build();
        assertEquals(1, f.stored(1));
        assertEquals(0, f.stored(0));
    }

    @Test
    void layerForwardAgreesWithItsScalarReference() {
        Random r = new Random(77);
        int hidden = 40, rank = 23, inter = 31, experts = 6, topK = 2;
        Tensor router = Tensor.ofFloats("router", gaussian(r, experts * hidden), experts, hidden);
        MoeWeights w = new MoeWeights(router, List.of(), topK, true, null, null);
        Tensor gb = Tensor.ofFloats("gate_basis", scaled(gaussian(r, rank * hidden), 0.15f), rank, hidden);
        Tensor ub = Tensor.ofFloats("up_basis", scaled(gaussian(r, rank * hidden), 0.15f), rank, hidden);
        Tensor db = Tensor.ofFloats("down_basis", scaled(gaussian(r, hidden * rank), 0.2f), hidden, rank);
        FactorizedMoeLayer layer = new FactorizedMoeLayer(w, gb, ub, db,
                Projection.random(r, experts, rank, inter, 16).built(),
                Projection.random(r, experts, rank, inter, 16).built(),
                Projection.random(r, experts, rank, inter, 16).built());
        for (int n : new int[] {1, 3}) {
            float[] x = gaussian(r, n * hidden);
            float[] fast = new float[n * hidden];
            float[] ref = new float[n * hidden];
            layer.forward(x, n, fast, 0, null);
            layer.forwardReference(x, n, ref);
            double top = 0;
            for (float v : ref) top = Math.max(top, Math.abs(v));
            assertTrue(top > 0);
            close(ref, fast, 1e-4 * top, "layer, n = " + n);
            float[] again = new float[n * hidden];
            layer.forward(x, n, again, 0, null);
            assertArrayEquals(fast, again, "forward is deterministic");
        }
    }

    private static void close(float[] want, float[] got, double tol, String what) {
        for (int i = 0; i < want.length; i++) {
            if (!(Math.abs((double) got[i] - want[i]) <= tol)) fail(what + " element " + i + ": " + got[i] + " vs " + want[i] + " (tolerance " + tol + ")");
        }
    }

    private static double maxAbs(PackedVector v) {
        float[] d = new float[v.length()];
        v.dequantize(d, 0);
        double m = 0;
        for (float x : d) m = Math.max(m, Math.abs(x));
        // the fused paths add the stored offset before taking it off: bound by the layout's range, not the values
        if (v.bits() >= 1 && v.bits() <= 8) {
            double s = 0;
            for (short x : v.scales()) s = Math.max(s, Math.abs(Float.float16ToFloat(x)));
            m = Math.max(m, s * (1 << v.bits()));
        }
        return m;
    }

    private static float[] gaussian(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    private static float[] scaled(float[] v, float a) {
        for (int i = 0; i < v.length; i++) v[i] *= a;
        return v;
    }
}
