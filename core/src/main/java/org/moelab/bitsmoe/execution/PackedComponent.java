package org.moelab.bitsmoe.execution;

import org.moelab.quant.PackedVector;

/** A stored spectral component in its packed low-bit layout: dequantization fused into dot and axpy. */
public record PackedComponent(PackedVector vector) implements Component {

    @Override
    public float dot(float[] x, int off) {
        return vector.dot(x, off);
    }

    @Override
    public void axpy(float a, float[] y, int off) {
        vector.axpy(a, y, off);
    }

    @Override
    public long bytes() {
        return vector.bytes().length + 2L * vector.scales().length;
    }

    @Override
    public int bits() {
        return vector.bits();
    }
}
