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
