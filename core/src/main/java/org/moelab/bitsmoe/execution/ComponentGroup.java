package org.moelab.bitsmoe.execution;

import org.moelab.compute.VectorDot;
import org.moelab.quant.BitPlaneLut;
import org.moelab.quant.PackedLayout;
import org.moelab.quant.PackedVector;

/**
 * The stored components of one (expert, projection) that share a width, back to back: one payload array,
 * one scales array, and per component its s and its direction index k, in increasing k. The layer runs one
 * fused kernel per group ({@link PackedLayout#axpyMany}, {@link PackedLayout#dotMany}) instead of one call per
 * component.
 *
 * <p>Three kinds: packed (the production case: payload + fp16 group scales in {@code layout}); dense (plain
 * floats, from {@link DenseComponent}s: the fp32 and dequantized references in the tests); generic (any other
 * {@link Component}, run through its own kernels).
 *
 * <p>A packed group can be repacked once for the one product its projection uses ({@link #prepare}: gate and
 * up expand, down contracts) into {@link BitPlaneLut}'s table-lookup layout where that is faster on this machine;
 * the CPU-layout payload is then dropped (the same bits are held once) and rebuilt from the tables when a
 * component's bytes are asked for (saving, accounting, the scalar reference).
 */
final class ComponentGroup {

    /** Bytes after the last vector so an 8-byte little-endian read of the last chunk stays in the array. */
    static final int PAYLOAD_PAD = 8;

    final int length;
    final int count;
    /** s of each component, in group order. */
    final float[] s;
    /** Direction index k of each component, increasing. */
    final int[] index;

    // packed
    final PackedLayout layout;
    /** The CPU layout; null once repacked for table lookup ({@link #lut}). */
    private byte[] payload;
    private short[] scales;
    /** The table-lookup form, or null. */
    private BitPlaneLut lut;
    final int groupSize;
    final int vecBytes;
    final int vecScales;
    // dense
    final float[] dense;
    // generic
    final Component[] generic;

    private ComponentGroup(int length, float[] s, int[] index, PackedLayout layout, byte[] payload, short[] scales,
                           int groupSize, float[] dense, Component[] generic) {
        this.length = length;
        this.count = index.length;
        this.s = s;
        this.index = index;
        this.layout = layout;
        this.payload = payload;
        this.scales = scales;
        this.groupSize = groupSize;
        this.vecBytes = layout == null ? 0 : Math.toIntExact(layout.bytes(length));
        this.vecScales = layout == null ? 0 : layout.scaleCount(length, groupSize);
        this.dense = dense;
        this.generic = generic;
        if (s.length != count) throw new IllegalArgumentException(s.length + " s values for " + count + " components");
    }

    /** A packed group; payload holds count·bytes(length) bytes (plus padding), scales count·scaleCount. */
    static ComponentGroup packed(PackedLayout layout, int length, int groupSize, float[] s, int[] index, byte[] payload, short[] scales) {
        ComponentGroup g = new ComponentGroup(length, s, index, layout, payload, scales, groupSize, null, null);
        if (payload.length < (long) g.count * g.vecBytes || scales.length < (long) g.count * g.vecScales) {
            throw new IllegalArgumentException("group storage too small for " + g.count + " vectors of " + length);
        }
        return g;
    }

    /** A dense group; values holds count·length floats. */
    static ComponentGroup dense(int length, float[] s, int[] index, float[] values) {
        if (values.length != (long) index.length * length) throw new IllegalArgumentException("dense group needs " + index.length * length + " floats");
        return new ComponentGroup(length, s, index, null, null, null, 0, values, null);
    }

    /** A group of arbitrary components, run one by one. */
    static ComponentGroup generic(int length, float[] s, int[] index, Component[] comps) {
        return new ComponentGroup(length, s, index, null, null, null, 0, null, comps);
    }

    /** The component view of member j (packed groups). */
    PackedComponent view(int j) {
        if (lut != null) return new PackedComponent(this, j);
        return new PackedComponent(layout, payload, j * vecBytes, scales, j * vecScales, length, groupSize);
    }

    /**
     * Repacks this packed group for {@code direction}'s product when the table-lookup kernel is the faster one
     * here ({@link BitPlaneLut#pays}); returns whether it did. The caller then replaces its member views
     * ({@link #view}), which no longer point at the dropped payload.
     */
    boolean prepare(BitPlaneLut.Direction direction) {
        if (layout == null || lut != null || !BitPlaneLut.pays(layout, groupSize, count, direction)) return false;
        lut = BitPlaneLut.repack(direction, layout, count, length, groupSize, payload, 0, scales, 0);
        payload = null;
        scales = null;
        return true;
    }

    /** Member j's vector in the CPU layout, rebuilt from the table-lookup form. */
    PackedVector rebuild(int j) {
        int[] q = new int[length];
        lut.codes(j, q, 0);
        short[] sc = new short[vecScales];
        for (int gk = 0; gk < vecScales; gk++) sc[gk] = Float.floatToFloat16(lut.scale(j, gk));
        return new PackedVector(layout, layout.pack(q, 0, length), sc, length, groupSize);
    }

    /** out[0, length) += Σ_j (s_j·h[hOff + k_j])·û_j; alpha is scratch of at least count floats. */
    void expand(float[] h, int hOff, float[] out, float[] alpha) {
        int n = count;
        for (int j = 0; j < n; j++) alpha[j] = s[j] * h[hOff + index[j]];
        if (lut != null && lut.direction() == BitPlaneLut.Direction.AXPY) {
            lut.axpyMany(alpha, 0, out, 0);
        } else if (lut != null) { // repacked for the other product: correct but slow (rebuilds each member); the layer never asks
            for (int j = 0; j < n; j++) rebuild(j).axpy(alpha[j], out, 0);
        } else if (layout != null) {
            layout.axpyMany(n, alpha, 0, payload, 0, scales, 0, groupSize, length, out, 0);
        } else if (dense != null) {
            for (int j = 0; j < n; j++) VectorDot.axpy(alpha[j], dense, j * length, out, 0, length);
        } else {
            for (int j = 0; j < n; j++) generic[j].axpy(alpha[j], out, 0);
        }
    }

    /** acc[accOff + k_j] += weight·s_j·(û_j·z) for every member; dots is scratch of at least count floats. */
    void contract(float[] z, float weight, float[] acc, int accOff, float[] dots) {
        int n = count;
        if (lut != null && lut.direction() == BitPlaneLut.Direction.DOT) {
            lut.dotMany(z, 0, dots, 0);
        } else if (lut != null) { // repacked for the other product: correct but slow; the layer never asks
            for (int j = 0; j < n; j++) dots[j] = rebuild(j).dot(z, 0);
        } else if (layout != null) {
            layout.dotMany(n, payload, 0, scales, 0, groupSize, length, z, 0, dots, 0);
        } else if (dense != null) {
            for (int j = 0; j < n; j++) dots[j] = VectorDot.dot(dense, j * length, z, 0, length);
        } else {
            for (int j = 0; j < n; j++) dots[j] = generic[j].dot(z, 0);
        }
        for (int j = 0; j < n; j++) acc[accOff + index[j]] += weight * s[j] * dots[j];
    }
}
