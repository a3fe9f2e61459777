package org.moelab.bitsmoe.execution;

import org.moelab.compute.VectorDot;

/** A component kept as plain floats: the "dequantize to dense" reference and the 16-bit case. */
public record DenseComponent(float[] values, int bits) implements Component {

    @Override
    public float dot(float[] x, int off) {
        return VectorDot.dot(values, 0, x, off, values.length);
    }

    @Override
    public void axpy(float a, float[] y, int off) {
        VectorDot.axpy(a, values, 0, y, off, values.length);
    }

    @Override
    public long bytes() {
        return 4L * values.length;
    }
}
