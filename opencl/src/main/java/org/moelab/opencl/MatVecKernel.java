package org.moelab.opencl;

/**
 * out (count) from outOff = W (count, length) · x (length) from xOff, fused with the decode; one work item per
 * row, float accumulation in element order.
 */
final class MatVecKernel extends PackedDecodeKernel {

    float[] x = new float[1];
    float[] out = new float[1];
    int xOff;
    int outOff;
    int count;

    @Override
    public void run() {
        int j = getGlobalId();
        if (j < count) {
            float sum = 0f;
            for (int i = 0; i < length; i++) {
                sum += decode(j, i) * x[xOff + i];
            }
            out[outOff + j] = sum;
        }
    }
}
