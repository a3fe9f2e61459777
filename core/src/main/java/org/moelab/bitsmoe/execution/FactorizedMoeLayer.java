package org.moelab.bitsmoe.execution;

import org.moelab.compute.MatMul;
import org.moelab.compute.Parallel;
import org.moelab.model.MoeWeights;
import org.moelab.runtime.DenseExpert;
import org.moelab.runtime.MoeBlock;
import org.moelab.runtime.MoeLayer;
import org.moelab.runtime.Router;
import org.moelab.runtime.RoutingObserver;
import org.moelab.tensor.Tensor;

/**
 * Inference on BitsMoE's factorized experts (methods.md §1.5). Per token: route; {@code h_g = V_gᵀx},
 * {@code h_u = V_uᵀx} once (shared by all experts); for each selected expert
 * {@code gate = Σ_k (s_k·h_g[k])·û_k}, same for up, {@code z = silu(gate) ⊙ up}, and
 * {@code acc[k] += g_e·s_k·(v̂_{e,k}·z)} in the r-space of the down basis; finally {@code y = U_d·acc}
 * once per token. Dropped components cost nothing; the shared bases are read once per token whatever K is.
 */
public final class FactorizedMoeLayer implements MoeLayer {

    private final Router router;
    private final Tensor gateBasisT; // (r, H)
    private final Tensor upBasisT;   // (r, H)
    private final Tensor downBasis;  // (H, r)
    private final FactorizedExperts gate;
    private final FactorizedExperts up;
    private final FactorizedExperts down;
    private final DenseExpert shared;
    private final float[] sharedGate;
    private final int hidden;
    private final long sharedBytes;
    private final int inter;

    public FactorizedMoeLayer(MoeWeights source, Tensor gateBasisT, Tensor upBasisT, Tensor downBasis,
                              FactorizedExperts gate, FactorizedExperts up, FactorizedExperts down) {
        this.router = new Router(source);
        this.gateBasisT = gateBasisT;
        this.upBasisT = upBasisT;
        this.downBasis = downBasis;
        this.gate = gate;
        this.up = up;
        this.down = down;
        this.shared = source.shared() == null ? null : new DenseExpert(source.shared());
        this.sharedGate = source.sharedGate() == null ? null : source.sharedGate().toFloatArray();
        this.hidden = router.hidden();
        this.sharedBytes = source.shared() == null ? 0 : source.shared().gate().data().byteSize()
                + source.shared().up().data().byteSize() + source.shared().down().data().byteSize();
        this.inter = gate.intermediate();
    }

    @Override
    public void forward(float[] x, int n, float[] y, int layer, RoutingObserver observer) {
        Router.Decisions d = router.route(x, n);
        router.report(d, x, layer, observer);
        int rg = gate.rank();
        int ru = up.rank();
        int rd = down.rank();
        float[] hg = new float[n * rg];
        float[] hu = new float[n * ru];
        MatMul.matmul(gateBasisT, x, n, hg);
        MatMul.matmul(upBasisT, x, n, hu);
        int k = d.k();
        int pairs = n * k;
        int threads = Parallel.threads();
        float[][] accs = new float[threads][];
        long work = (long) pairs * 3 * Math.max(rg, rd) * inter;
        int[] nextSlot = {0};
        Parallel.forRange(pairs, work, (from, to) -> {
            float[] acc = new float[n * rd];
            float[] g = new float[inter];
            float[] u = new float[inter];
            for (int p = from; p < to; p++) {
                int t = p / k;
                int e = d.experts()[p];
                float weight = d.weights()[p];
                java.util.Arrays.fill(g, 0f);
                java.util.Arrays.fill(u, 0f);
                expand(gate, e, hg, t * rg, g);
                expand(up, e, hu, t * ru, u);
                for (int i = 0; i < inter; i++) g[i] = g[i] / (1f + (float) Math.exp(-g[i])) * u[i];
                for (int kk = 0; kk < rd; kk++) {
                    Component c = down.component(e, kk);
                    if (c != null) acc[t * rd + kk] += weight * down.scales()[e * rd + kk] * c.dot(g, 0);
                }
            }
            synchronized (accs) {
                accs[nextSlot[0]++] = acc;
            }
        });
        float[] acc = accs[0];
        for (int s = 1; s < nextSlot[0]; s++) {
            for (int i = 0; i < acc.length; i++) acc[i] += accs[s][i];
        }
        MatMul.matmul(downBasis, acc, n, y);
        if (shared != null) MoeBlock.addShared(shared, sharedGate, x, n, y, hidden);
    }

    /**
     * Bytes one token reads here besides the router: the three bases once, plus K experts' stored components
     * (payload, group scales, s) at the layer's average expert size, plus any shared expert.
     */
    public double bytesPerToken(int topK) {
        double bases = gateBasisT.data().byteSize() + upBasisT.data().byteSize() + downBasis.data().byteSize();
        double experts = 0;
        for (FactorizedExperts f : new FactorizedExperts[] {gate, up, down}) {
            for (Component c : f.components()) {
                if (c != null) experts += c.bytes() + 2;
            }
        }
        return bases + experts / gate.experts() * topK + sharedBytes;
    }

    /** out += Σ_k (s_{e,k} · h[k]) · û_{e,k} over stored components. */
    private static void expand(FactorizedExperts f, int e, float[] h, int hOff, float[] out) {
        int r = f.rank();
        for (int kk = 0; kk < r; kk++) {
            Component c = f.component(e, kk);
            if (c != null) c.axpy(f.scales()[e * r + kk] * h[hOff + kk], out, 0);
        }
    }
}
