package org.moelab.bitsmoe.decomposition;

import org.moelab.Progress;
import org.moelab.linalg.SpectralCompute;
import org.moelab.linalg.SymmetricEigen;
import org.moelab.model.ExpertWeights;
import org.moelab.model.MoeWeights;
import org.moelab.tensor.Tensor;

import java.util.List;
import java.util.function.Function;

/**
 * BitsMoE's shared-basis spectral decomposition (methods.md §1.1; "BitsMoE: Efficient Spectral
 * Energy-Guided Bit Allocation for MoE LLM Quantization", arXiv 2606.00079).
 * gate/up: {@code G = Σ_e W_eᵀ W_e} (H, H), V = its top-r eigenvectors, {@code P_e = W_e V} (I, r),
 * column k gives {@code s_{e,k} = ‖P_e[:,k]‖} and {@code u_{e,k} = P_e[:,k] / s_{e,k}}.
 * down: {@code G = Σ_e W_e W_eᵀ}, U = top-r eigenvectors, {@code Q_e = Uᵀ W_e} (r, I), row k gives s and v.
 * <b>[choice]</b> default r = H: an exact change of basis; compression comes only from the bit-widths.
 */
public final class SpectralDecomposition {

    private final SpectralCompute compute;

    public SpectralDecomposition(SpectralCompute compute) {
        this.compute = compute;
    }

    public SpectralDecomposition() {
        this(SpectralCompute.chosen());
    }

    /**
     * Decomposes all three projections of one MoE layer.
     *
     * @param rank r, 1 ≤ r ≤ H (H for the exact default)
     */
    public LayerDecomposition decompose(int layer, MoeWeights moe, int rank, Progress progress) {
        List<ExpertWeights> experts = moe.experts();
        if (experts.isEmpty()) throw new IllegalArgumentException("layer " + layer + " has no routed experts loaded");
        int hidden = experts.getFirst().hidden();
        if (rank < 1 || rank > hidden) throw new IllegalArgumentException("rank r = " + rank + " must be in [1, H = " + hidden + "]");
        ProjectionFactors gate = inputSide(layer, "gate", experts, ExpertWeights::gate, rank);
        progress.update("decompose layer " + layer, 1, 3);
        ProjectionFactors up = inputSide(layer, "up", experts, ExpertWeights::up, rank);
        progress.update("decompose layer " + layer, 2, 3);
        ProjectionFactors down = outputSide(layer, experts, rank);
        progress.update("decompose layer " + layer, 3, 3);
        return new LayerDecomposition(layer, gate, up, down);
    }

    private ProjectionFactors inputSide(int layer, String name, List<ExpertWeights> experts,
                                        Function<ExpertWeights, Tensor> pick, int rank) {
        int e = experts.size();
        Tensor first = pick.apply(experts.getFirst());
        int inter = (int) first.rows();
        int hidden = first.cols();
        double[] g = new double[hidden * hidden];
        for (ExpertWeights w : experts) compute.addGramOfColumns(pick.apply(w).toFloatArray(), inter, hidden, g);
        SymmetricEigen eig = compute.eigen(g, hidden);
        float[] basis = topRows(eig, rank);
        float[] scales = new float[e * rank];
        float[] units = new float[e * rank * inter];
        float[] p = new float[inter * rank];
        for (int ex = 0; ex < e; ex++) {
            // P_e (I, r): p[i, k] = Σ_h W_e[i, h] · v_k[h]
            compute.multiplyTransposed(basis, rank, hidden, pick.apply(experts.get(ex)).toFloatArray(), inter, p);
            normalizeColumns(p, inter, rank, scales, units, ex);
        }
        return new ProjectionFactors(layer, name, e, rank, hidden, inter, eig.values(), basis, scales, units);
    }

    private ProjectionFactors outputSide(int layer, List<ExpertWeights> experts, int rank) {
        int e = experts.size();
        Tensor first = experts.getFirst().down();
        int hidden = (int) first.rows();
        int inter = first.cols();
        double[] g = new double[hidden * hidden];
        for (ExpertWeights w : experts) compute.addGramOfRows(w.down().toFloatArray(), hidden, inter, g);
        SymmetricEigen eig = compute.eigen(g, hidden);
        float[] basis = topRows(eig, rank);
        float[] scales = new float[e * rank];
        float[] units = new float[e * rank * inter];
        float[] q = new float[inter * rank];
        for (int ex = 0; ex < e; ex++) {
            // Q_eᵀ (I, r): q[i, k] = Σ_h u_k[h] · W_e[h, i]
            float[] wt = transposeOf(experts.get(ex).down().toFloatArray(), hidden, inter); // (I, H)
            compute.multiplyTransposed(basis, rank, hidden, wt, inter, q);
            normalizeColumns(q, inter, rank, scales, units, ex);
        }
        return new ProjectionFactors(layer, "down", e, rank, hidden, inter, eig.values(), basis, scales, units);
    }

    /**
     * From the (I, r) factor matrix of expert ex (column k = component k), writes s_{ex,k} = ‖column k‖
     * and the unit column into units (E, r, I). A zero column keeps s = 0 and a zero unit vector.
     */
    private static void normalizeColumns(float[] m, int inter, int rank, float[] scales, float[] units, int ex) {
        for (int k = 0; k < rank; k++) {
            double ss = 0;
            for (int i = 0; i < inter; i++) ss += (double) m[i * rank + k] * m[i * rank + k];
            double s = Math.sqrt(ss);
            scales[ex * rank + k] = (float) s;
            int at = (ex * rank + k) * inter;
            for (int i = 0; i < inter; i++) units[at + i] = s == 0 ? 0f : (float) (m[i * rank + k] / s);
        }
    }

    /** The first r eigenvectors as a row-major (r, H) float matrix. */
    private static float[] topRows(SymmetricEigen eig, int rank) {
        int n = eig.n();
        float[] b = new float[rank * n];
        for (int k = 0; k < rank; k++) System.arraycopy(eig.vectorAsFloats(k), 0, b, k * n, n);
        return b;
    }

    static float[] transposeOf(float[] a, int rows, int cols) {
        float[] t = new float[a.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j];
        }
        return t;
    }

    /** Reconstruction error, basis orthonormality and eigenvalue ordering of each projection of a layer. */
    public static java.util.List<DecompositionCheck> verify(LayerDecomposition d, MoeWeights moe) {
        return DecompositionCheck.of(d, moe);
    }
}
