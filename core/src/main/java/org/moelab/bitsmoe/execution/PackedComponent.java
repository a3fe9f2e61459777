package org.moelab.bitsmoe.execution;

import org.moelab.quant.PackedLayout;
import org.moelab.quant.PackedVector;

import java.util.Arrays;
import java.util.Objects;

/**
 * A stored spectral component in its packed low-bit layout: dequantization fused into dot and axpy. Either
 * owns a {@link PackedVector}, or is a view of one vector inside the contiguous storage of its
 * (expert, projection, width) group (what {@link FactorizedExperts.Builder} makes, so the payload is held
 * once), or a view of a member of a group whose payload was repacked for table lookup
 * ({@link ComponentGroup#prepare}): its bytes are rebuilt from the tables when asked for. The layer itself runs
 * the groups' fused kernels; these per-component kernels serve accounting, saving, tests and the scalar
 * reference path.
 */
public final class PackedComponent implements Component {

    private final PackedLayout layout;
    private final byte[] payload;
    private final int pOff;
    private final short[] scales;
    private final int sOff;
    private final int length;
    private final int groupSize;
    private final PackedVector vector; // null for a view
    private final ComponentGroup group; // non-null for a view of a repacked group member
    private final int member;

    public PackedComponent(PackedVector vector) {
        this.vector = Objects.requireNonNull(vector, "vector");
        this.layout = vector.layout();
        this.payload = vector.bytes();
        this.pOff = 0;
        this.scales = vector.scales();
        this.sOff = 0;
        this.length = vector.length();
        this.groupSize = vector.groupSize();
        this.group = null;
        this.member = -1;
    }

    /** A view of member j of a group repacked for table lookup: the CPU-layout bytes are rebuilt on use. */
    PackedComponent(ComponentGroup group, int member) {
        this.vector = null;
        this.group = group;
        this.member = member;
        this.layout = group.layout;
        this.payload = null;
        this.pOff = 0;
        this.scales = null;
        this.sOff = 0;
        this.length = group.length;
        this.groupSize = group.groupSize;
    }

    /** A view of the vector at payload[pOff ..], scales[sOff ..] (arrays shared, not copied). */
    PackedComponent(PackedLayout layout, byte[] payload, int pOff, short[] scales, int sOff, int length, int groupSize) {
        this.vector = null;
        this.layout = layout;
        this.payload = payload;
        this.pOff = pOff;
        this.scales = scales;
        this.sOff = sOff;
        this.length = length;
        this.groupSize = groupSize;
        this.group = null;
        this.member = -1;
        Objects.checkFromIndexSize(pOff, Math.toIntExact(layout.bytes(length)), payload.length);
        Objects.checkFromIndexSize(sOff, layout.scaleCount(length, groupSize), scales.length);
    }

    /** The stored vector; a view returns a fresh copy of its bytes and scales. */
    public PackedVector vector() {
        if (vector != null) return vector;
        if (group != null) return group.rebuild(member);
        byte[] b = Arrays.copyOfRange(payload, pOff, pOff + Math.toIntExact(layout.bytes(length)));
        short[] s = Arrays.copyOfRange(scales, sOff, sOff + layout.scaleCount(length, groupSize));
        return new PackedVector(layout, b, s, length, groupSize);
    }

    public PackedLayout layout() {
        return layout;
    }

    public int length() {
        return length;
    }

    public int groupSize() {
        return groupSize;
    }

    @Override
    public float dot(float[] x, int off) {
        if (group != null) return vector().dot(x, off);
        return layout.dot(payload, pOff, scales, sOff, groupSize, length, x, off);
    }

    @Override
    public void axpy(float a, float[] y, int off) {
        if (group != null) {
            vector().axpy(a, y, off);
            return;
        }
        layout.axpy(a, payload, pOff, scales, sOff, groupSize, length, y, off);
    }

    /** {@link #dot} by the layout's scalar reference. */
    public float dotScalar(float[] x, int off) {
        if (group != null) return vector().dotScalar(x, off);
        return layout.dotScalar(payload, pOff, scales, sOff, groupSize, length, x, off);
    }

    /** {@link #axpy} by the layout's scalar reference. */
    public void axpyScalar(float a, float[] y, int off) {
        if (group != null) {
            vector().axpyScalar(a, y, off);
            return;
        }
        layout.axpyScalar(a, payload, pOff, scales, sOff, groupSize, length, y, off);
    }

    /** Copies this vector's payload to dst[dstOff ..] and its scales to dstScales[dstSOff ..]. */
    void copyTo(byte[] dst, int dstOff, short[] dstScales, int dstSOff) {
        if (group != null) {
            PackedVector v = vector();
            System.arraycopy(v.bytes(), 0, dst, dstOff, Math.toIntExact(layout.bytes(length)));
            System.arraycopy(v.scales(), 0, dstScales, dstSOff, layout.scaleCount(length, groupSize));
            return;
        }
        System.arraycopy(payload, pOff, dst, dstOff, Math.toIntExact(layout.bytes(length)));
        System.arraycopy(scales, sOff, dstScales, dstSOff, layout.scaleCount(length, groupSize));
    }

    @Override
    public long bytes() {
        return layout.bytes(length) + 2L * layout.scaleCount(length, groupSize);
    }

    @Override
    public int bits() {
        return layout.bits();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PackedComponent c && vector().equals(c.vector());
    }

    @Override
    public int hashCode() {
        return vector().hashCode();
    }

    @Override
    public String toString() {
        String kind = vector != null ? "" : group != null ? ", table view" : ", view";
        return "PackedComponent[bits=" + bits() + ", length=" + length + ", groupSize=" + groupSize + kind + "]";
    }
}
