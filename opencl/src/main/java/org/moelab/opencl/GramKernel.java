package org.moelab.opencl;

import com.aparapi.Kernel;

/**
 * g (order, order) += the Gram of A's rows or columns, in double (as the BLAS dsyrk path): entry (i, j) is
 * Σ_k a[i·si + k·sk] · a[j·si + k·sk]. Columns (AᵀA, A (rows, cols)): order = cols, si = 1, sk = cols, depth = rows.
 * Rows (AAᵀ): order = rows, si = cols, sk = 1, depth = cols. Entries (i, j) and (j, i) multiply the same pairs in
 * the same order, so g stays exactly symmetric. One work item per entry.
 */
final class GramKernel extends Kernel {

    float[] a = new float[1]; // (rows, cols)
    double[] g = new double[1]; // (order, order)
    int order;
    int depth;
    int si;
    int sk;

    @Override
    public void run() {
        int gid = getGlobalId();
        if (gid < order * order) {
            int i = gid / order;
            int j = gid - i * order;
            double s = 0.0;
            for (int k = 0; k < depth; k++) {
                s += (double) a[i * si + k * sk] * (double) a[j * si + k * sk];
            }
            g[gid] += s;
        }
    }
}
