package org.moelab.opencl;

/**
 * y (length) from yOff += Wᵀ (length, count) · alpha (count) from aOff, fused with the decode; one work item per
 * element of y, the rows added in order j as {@code axpyManyScalar} does.
 */
final class MatVecTransposedKernel extends PackedDecodeKernel {

    float[] alpha = new float[1];
    float[] y = new float[1];
    int aOff;
    int yOff;
    int count;

    @Override
    public void run() {
        int i = getGlobalId();
        if (i < length) {
            float acc = y[yOff + i];
            for (int j = 0; j < count; j++) {
                acc += alpha[aOff + j] * decode(j, i);
            }
            y[yOff + i] = acc;
        }
    }
}
