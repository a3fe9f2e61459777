package org.moelab.opencl;

import com.aparapi.Kernel;

/** Y (n, out) = X (n, in) · Wᵀ with W (out, in); one work item per output, float accumulation. */
final class MatMulKernel extends Kernel {

    float[] w = new float[1]; // (out, in)
    float[] x = new float[1]; // (n, in)
    float[] y = new float[1]; // (n, out)
    int n;
    int out;
    int in;

    @Override
    public void run() {
        int gid = getGlobalId();
        if (gid < n * out) {
            int t = gid / out;
            int o = gid - t * out;
            float s = 0f;
            for (int k = 0; k < in; k++) {
                s += x[t * in + k] * w[o * in + k];
            }
            y[gid] = s;
        }
    }
}
