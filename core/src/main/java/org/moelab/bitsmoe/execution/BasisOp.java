package org.moelab.bitsmoe.execution;

import org.moelab.compute.MatMul;
import org.moelab.tensor.Tensor;

/**
 * One shared basis at run time, as the linear map a token goes through once per MoE layer
 * (methods.md §1.5): {@code h = V x} for gate/up (in H, out r) or {@code y = Uᵀ acc} for down (in r, out H).
 * {@link #apply} overwrites {@code y}; rows of x and y are tokens.
 */
public interface BasisOp {

    int in();

    int out();

    /** y (n, out) = M · x (n, in), the fast path. */
    void apply(float[] x, int n, float[] y);

    /** {@link #apply}'s scalar reference (one thread, layouts' scalar kernels). */
    void applyReference(float[] x, int n, float[] y);

    /** Bytes read per token. */
    long bytes();

    /**
     * {@code inner} (in = live.length) on the entries {@code live} of an r-long input: y = B·acc where B holds
     * only the columns of the live directions (the down basis of a layer where some directions are dropped in
     * every expert: their acc entries stay 0, so their columns are never needed).
     */
    static BasisOp onColumns(BasisOp inner, int[] live, int rank) {
        if (live.length == 0) throw new IllegalArgumentException("no live column: use BasisOp.zero");
        if (inner.in() != live.length) throw new IllegalArgumentException(inner.in() + " columns for " + live.length + " live directions");
        checkLive(live, rank, "down");
        int[] cols = live.clone();
        ThreadLocal<float[]> gathered = ThreadLocal.withInitial(() -> new float[cols.length]);
        return new BasisOp() {
            public int in() {
                return rank;
            }

            public int out() {
                return inner.out();
            }

            public void apply(float[] x, int n, float[] y) {
                inner.apply(gather(x, n, n == 1 ? gathered.get() : new float[n * cols.length]), n, y);
            }

            public void applyReference(float[] x, int n, float[] y) {
                inner.applyReference(gather(x, n, new float[n * cols.length]), n, y);
            }

            private float[] gather(float[] x, int n, float[] out) {
                for (int t = 0; t < n; t++) {
                    for (int j = 0; j < cols.length; j++) out[t * cols.length + j] = x[t * rank + cols[j]];
                }
                return out;
            }

            public long bytes() {
                return inner.bytes();
            }
        };
    }

    /** Refuses a live-direction set that does not increase strictly within [0, rank) (each column or row once). */
    static void checkLive(int[] live, int rank, String side) {
        for (int j = 0; j < live.length; j++) {
            if (live[j] < 0 || live[j] >= rank || (j > 0 && live[j] <= live[j - 1])) {
                throw new IllegalArgumentException(side + " live directions must increase within [0, " + rank + "): " + java.util.Arrays.toString(live));
            }
        }
    }

    /** y = 0: a down basis none of whose directions any expert stores (reads nothing). */
    static BasisOp zero(int in, int out) {
        return new BasisOp() {
            public int in() {
                return in;
            }

            public int out() {
                return out;
            }

            public void apply(float[] x, int n, float[] y) {
                java.util.Arrays.fill(y, 0, n * out, 0f);
            }

            public void applyReference(float[] x, int n, float[] y) {
                apply(x, n, y);
            }

            public long bytes() {
                return 0;
            }
        };
    }

    /** A dense (out, in) matrix in bf16 or f32, through {@link MatMul}. */
    static BasisOp dense(Tensor m) {
        return new BasisOp() {
            public int in() {
                return m.cols();
            }

            public int out() {
                return (int) m.rows();
            }

            public void apply(float[] x, int n, float[] y) {
                MatMul.matmul(m, x, n, y);
            }

            public void applyReference(float[] x, int n, float[] y) {
                MatMul.matmulScalar(m, x, n, y);
            }

            public long bytes() {
                return m.data().byteSize();
            }
        };
    }
}
