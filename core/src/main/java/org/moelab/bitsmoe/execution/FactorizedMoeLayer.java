package org.moelab.bitsmoe.execution;

import org.moelab.compute.Parallel;
import org.moelab.model.MoeWeights;
import org.moelab.quant.BitPlaneLut;
import org.moelab.runtime.DenseExpert;
import org.moelab.runtime.MoeBlock;
import org.moelab.runtime.MoeLayer;
import org.moelab.runtime.Router;
import org.moelab.runtime.RoutingObserver;
import org.moelab.tensor.Tensor;

import java.util.Arrays;

/**
 * Inference on BitsMoE's factorized experts (methods.md §1.5). Per token: route; {@code h_g = V_gᵀx},
 * {@code h_u = V_uᵀx} once (shared by all experts); for each selected expert
 * {@code gate = Σ_k (s_k·h_g[k])·û_k}, same for up, {@code z = silu(gate) ⊙ up}, and
 * {@code acc[k] += g_e·s_k·(v̂_{e,k}·z)} in the r-space of the down basis; finally {@code y = U_d·acc}
 * once per token. Dropped components cost nothing; the shared bases are read once per token whatever K is.
 *
 * <p>Each expert's components run as one fused kernel per stored width ({@link FactorizedExperts#expand},
 * {@link FactorizedExperts#contract}). Threads: a batch (n &gt; 1) splits over tokens, each token's K experts
 * in order on one thread. A single token (decode) runs its K experts on the calling thread unless one
 * expert's work is large enough to pay for a parallel call ({@link #PARALLEL_PAIR_WORK}); then each expert is
 * taken by the next free thread, the most stored components first (experts differ in size: a fixed split can
 * leave one thread waiting), into separate rows that are summed in expert order. Either way the sum per direction
 * k is taken in the same order, so the result does not depend on the thread count.
 */
public final class FactorizedMoeLayer implements MoeLayer {

    /**
     * Decoded multiply-adds per selected expert from which a single token runs its K experts side by side.
     * Handing a range to the spinning team costs about a microsecond; one expert of the teaching model at
     * 2.5 bits (≈ 600 stored components of I = 128, ≈ 9 µs) is far above that. Measured per layer and token
     * (best of 400 × 500 calls, 2 threads): 4 experts in sequence 56 µs, side by side 37 µs (FP MoeBlock 36 µs;
     * one thread 67 µs). Tiny experts stay on the calling thread.
     */
    public static final long PARALLEL_PAIR_WORK = Long.getLong("moelab.bitsmoe.parallelPairWork", Parallel.MIN_PARALLEL_WORK);

    private final Router router;
    private final InputProjection input; // h_g = V_g x, h_u = V_u x: H → r
    private final BasisOp downBasis; // y = U_d acc: r → H
    private final FactorizedExperts gate;
    private final FactorizedExperts up;
    private final FactorizedExperts down;
    private final DenseExpert shared;
    private final float[] sharedGate;
    private final int hidden;
    private final long sharedBytes;
    private final int inter;
    /** Mean decoded multiply-adds of one selected expert (its stored components over three projections × I). */
    private final long pairWork;
    private final ThreadLocal<Workspace> workspaces;

    /** Dense full-rank bases: gate and up (r, H), down (H, r), in bf16 or f32. */
    public FactorizedMoeLayer(MoeWeights source, Tensor gateBasisT, Tensor upBasisT, Tensor downBasis,
                              FactorizedExperts gate, FactorizedExperts up, FactorizedExperts down) {
        this(source, BasisOp.dense(gateBasisT), BasisOp.dense(upBasisT), BasisOp.dense(downBasis), gate, up, down);
    }

    /** Full-rank bases in any storage ({@link SharedBasis#projection}, {@link SharedBasis#expansion}), gate and up run apart. */
    public FactorizedMoeLayer(MoeWeights source, BasisOp gateBasis, BasisOp upBasis, BasisOp downBasis,
                              FactorizedExperts gate, FactorizedExperts up, FactorizedExperts down) {
        this(source, InputProjection.separate(gateBasis, upBasis), downBasis, gate, up, down);
    }

    /**
     * The input side as one op ({@link InputProjection#stacked}: live rows only) and the down basis (in r);
     * every direction an expert stores must be projected.
     */
    public FactorizedMoeLayer(MoeWeights source, InputProjection input, BasisOp downBasis,
                              FactorizedExperts gate, FactorizedExperts up, FactorizedExperts down) {
        this.router = new Router(source);
        this.input = input;
        this.downBasis = downBasis;
        if (input.gateRank() != gate.rank() || input.upRank() != up.rank() || downBasis.in() != down.rank()) {
            throw new IllegalArgumentException("basis ranks " + input.gateRank() + ", " + input.upRank() + ", " + downBasis.in()
                    + " do not match the factors' " + gate.rank() + ", " + up.rank() + ", " + down.rank());
        }
        if (input.in() != router.hidden() || downBasis.out() != router.hidden()) {
            throw new IllegalArgumentException("bases take " + input.in() + " and give " + downBasis.out() + " values, the router's hidden size is "
                    + router.hidden());
        }
        for (int k : gate.liveDirections()) requireProjected(input, true, k);
        for (int k : up.liveDirections()) requireProjected(input, false, k);
        this.gate = gate;
        this.up = up;
        this.down = down;
        gate.prepare(BitPlaneLut.Direction.AXPY);
        up.prepare(BitPlaneLut.Direction.AXPY);
        down.prepare(BitPlaneLut.Direction.DOT);
        this.shared = source.shared() == null ? null : new DenseExpert(source.shared());
        this.sharedGate = source.sharedGate() == null ? null : source.sharedGate().toFloatArray();
        this.hidden = router.hidden();
        this.sharedBytes = source.shared() == null ? 0 : source.shared().gate().data().byteSize()
                + source.shared().up().data().byteSize() + source.shared().down().data().byteSize();
        this.inter = gate.intermediate();
        if (up.intermediate() != inter || down.intermediate() != inter) {
            throw new IllegalArgumentException("intermediate sizes differ: " + inter + ", " + up.intermediate() + ", " + down.intermediate());
        }
        long stored = 0;
        for (FactorizedExperts f : new FactorizedExperts[] {gate, up, down}) {
            for (int e = 0; e < f.experts(); e++) stored += f.stored(e);
        }
        this.pairWork = stored * inter / Math.max(1, gate.experts());
        int scratch = Math.max(gate.scratchLength(), Math.max(up.scratchLength(), down.scratchLength()));
        int rank = Math.max(gate.rank(), Math.max(up.rank(), down.rank()));
        this.workspaces = ThreadLocal.withInitial(() -> new Workspace(inter, scratch, rank));
    }

    /** Per-thread buffers: no allocation per expert. */
    private static final class Workspace {
        final float[] g;
        final float[] u;
        final float[] scratch;
        final float[] hg;
        final float[] hu;

        Workspace(int inter, int scratch, int rank) {
            g = new float[inter];
            u = new float[inter];
            this.scratch = new float[Math.max(1, scratch)];
            hg = new float[rank];
            hu = new float[rank];
        }
    }

    @Override
    public void forward(float[] x, int n, float[] y, int layer, RoutingObserver observer) {
        Router.Decisions d = router.route(x, n);
        router.report(d, x, layer, observer);
        int rg = gate.rank();
        int ru = up.rank();
        int rd = down.rank();
        Workspace own = workspaces.get();
        float[] hg = n == 1 ? own.hg : new float[n * rg];
        float[] hu = n == 1 ? own.hu : new float[n * ru];
        input.apply(x, n, hg, hu);
        int k = d.k();
        float[] acc = new float[n * rd];
        if (n == 1) {
            if (k > 1 && Parallel.threads() > 1 && pairWork >= PARALLEL_PAIR_WORK) {
                float[] rows = new float[k * rd];
                int[] order = largestFirst(d.experts(), k);
                Parallel.forEach(k, Math.max(pairWork, Parallel.MIN_PARALLEL_WORK) * k, i -> {
                    int p = order[i];
                    runPair(d, p, 0, hg, hu, workspaces.get(), rows, p * rd);
                });
                for (int p = 0; p < k; p++) {
                    for (int i = 0; i < rd; i++) acc[i] += rows[p * rd + i];
                }
            } else {
                for (int p = 0; p < k; p++) runPair(d, p, 0, hg, hu, own, acc, 0);
            }
        } else {
            Parallel.forRange(n, pairWork * k * n, (from, to) -> {
                Workspace ws = workspaces.get();
                for (int t = from; t < to; t++) {
                    for (int j = 0; j < k; j++) runPair(d, t * k + j, t, hg, hu, ws, acc, t * rd);
                }
            });
        }
        downBasis.apply(acc, n, y);
        if (shared != null) MoeBlock.addShared(shared, sharedGate, x, n, y, hidden);
    }

    private static void requireProjected(InputProjection input, boolean gateSide, int k) {
        if (!input.computes(gateSide, k)) {
            throw new IllegalArgumentException((gateSide ? "gate" : "up") + " direction " + k + " is stored by an expert but not projected");
        }
    }

    /** The K selected experts' positions, the most stored components first (threads take them in this order). */
    private int[] largestFirst(int[] experts, int k) {
        int[] order = new int[k];
        long[] cost = new long[k];
        for (int p = 0; p < k; p++) {
            int e = experts[p];
            long c = (long) gate.stored(e) + up.stored(e) + down.stored(e);
            int i = p;
            while (i > 0 && cost[i - 1] < c) {
                order[i] = order[i - 1];
                cost[i] = cost[i - 1];
                i--;
            }
            order[i] = p;
            cost[i] = c;
        }
        return order;
    }

    /** Selected expert p (of token t): gate and up expansions, SwiGLU, and the down contraction into acc[accOff ..]. */
    private void runPair(Router.Decisions d, int p, int t, float[] hg, float[] hu, Workspace ws, float[] acc, int accOff) {
        int e = d.experts()[p];
        float weight = d.weights()[p];
        float[] g = ws.g;
        float[] u = ws.u;
        Arrays.fill(g, 0f);
        Arrays.fill(u, 0f);
        gate.expand(e, hg, t * gate.rank(), g, ws.scratch);
        up.expand(e, hu, t * up.rank(), u, ws.scratch);
        for (int i = 0; i < inter; i++) g[i] = g[i] / (1f + (float) Math.exp(-g[i])) * u[i];
        down.contract(e, g, weight, acc, accOff, ws.scratch);
    }

    /**
     * The scalar reference of {@link #forward} (no observer): one component at a time in order k with the
     * layouts' scalar kernels, one thread. Agrees with {@link #forward} up to float summation order.
     */
    public void forwardReference(float[] x, int n, float[] y) {
        Router.Decisions d = router.route(x, n);
        int rg = gate.rank();
        int ru = up.rank();
        int rd = down.rank();
        float[] hg = new float[n * rg];
        float[] hu = new float[n * ru];
        input.applyReference(x, n, hg, hu);
        float[] acc = new float[n * rd];
        float[] g = new float[inter];
        float[] u = new float[inter];
        for (int p = 0; p < n * d.k(); p++) {
            int t = p / d.k();
            int e = d.experts()[p];
            Arrays.fill(g, 0f);
            Arrays.fill(u, 0f);
            gate.expandReference(e, hg, t * rg, g);
            up.expandReference(e, hu, t * ru, u);
            for (int i = 0; i < inter; i++) g[i] = g[i] / (1f + (float) Math.exp(-g[i])) * u[i];
            down.contractReference(e, g, d.weights()[p], acc, t * rd);
        }
        downBasis.applyReference(acc, n, y);
        if (shared != null) MoeBlock.addShared(shared, sharedGate, x, n, y, hidden);
    }

    /**
     * Bytes one token reads here besides the router: the three bases once, plus K experts' stored components
     * (payload, group scales, s) at the layer's average expert size, plus any shared expert.
     */
    public double bytesPerToken(int topK) {
        double bases = input.bytes() + downBasis.bytes();
        double experts = 0;
        for (FactorizedExperts f : new FactorizedExperts[] {gate, up, down}) {
            for (Component c : f.components()) {
                if (c != null) experts += c.bytes() + 2;
            }
        }
        return bases + experts / gate.experts() * topK + sharedBytes;
    }
}
