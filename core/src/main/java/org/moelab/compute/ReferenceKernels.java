package org.moelab.compute;

/**
 * The scalar references of every {@link ComputeBackend} operation: the specification the fast paths (Vector
 * API, OpenCL) are tested against. Plain loops, accumulation in double where a sum is involved (rounded once).
 */
public final class ReferenceKernels {

    private ReferenceKernels() {
    }

    /** g += Aᵀ A; A (rows, cols), g (cols, cols). */
    public static void addGramOfColumns(float[] a, int rows, int cols, double[] g) {
        for (int i = 0; i < cols; i++) {
            for (int j = 0; j < cols; j++) {
                double s = 0;
                for (int r = 0; r < rows; r++) s += (double) a[r * cols + i] * a[r * cols + j];
                g[i * cols + j] += s;
            }
        }
    }

    /** g += A Aᵀ; A (rows, cols), g (rows, rows). */
    public static void addGramOfRows(float[] a, int rows, int cols, double[] g) {
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < rows; j++) {
                double s = 0;
                for (int k = 0; k < cols; k++) s += (double) a[i * cols + k] * a[j * cols + k];
                g[i * rows + j] += s;
            }
        }
    }

    /** out (count, length) = dequant(w). */
    public static void dequantize(PackedRows w, float[] out, int oOff) {
        int vb = w.rowBytes();
        int ns = w.scalesPerRow();
        for (int j = 0; j < w.count(); j++) {
            w.layout().dequantizeScalar(w.packed(), w.pOff() + j * vb, w.scales(), w.sOff() + j * ns, w.groupSize(), w.length(), out, oOff + j * w.length());
        }
    }

    /** out (count) = W x. */
    public static void matvec(PackedRows w, float[] x, int xOff, float[] out, int oOff) {
        w.layout().dotManyScalar(w.count(), w.packed(), w.pOff(), w.scales(), w.sOff(), w.groupSize(), w.length(), x, xOff, out, oOff);
    }

    /** y += Wᵀ alpha. */
    public static void matvecTransposed(PackedRows w, float[] alpha, int aOff, float[] y, int yOff) {
        w.layout().axpyManyScalar(w.count(), alpha, aOff, w.packed(), w.pOff(), w.scales(), w.sOff(), w.groupSize(), w.length(), y, yOff);
    }

    /** Y (n, out) = X (n, in) · Wᵀ, W (out, in). */
    public static void matmul(float[] w, int out, int in, float[] x, int n, float[] y) {
        for (int t = 0; t < n; t++) {
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int k = 0; k < in; k++) s += (double) x[t * in + k] * w[o * in + k];
                y[t * out + o] = (float) s;
            }
        }
    }
}
