package org.moelab.mobie;

/**
 * The closed forms of residual binarization on one group of values r (one row's share of a block),
 * mobie.md §1. BiLLM (Huang et al., "BiLLM: Pushing the Limit of Post-Training Quantization for LLMs",
 * ICML 2024): order 1 is {@code μ = mean(r)}, {@code α = mean|r − μ|}, {@code b = sign(r − μ)} (sign 0 →
 * +1) with approximation {@code α·b + μ}; order 2 repeats that on the residual. ARB-LLM (Li et al.,
 * "ARB-LLM: Alternating Refined Binarizations for Large Language Models", ICLR 2025): alternate the
 * least-squares {@code (α, μ)} for fixed b with {@code b = sign(r − μ)} for fixed {@code (α ≥ 0, μ)}; each
 * step cannot raise the squared error, so neither can the refinement. Signs are booleans (true = +1).
 */
final class BinaryFit {

    /** One binary plane: values {@code alpha·b + mu}. */
    record Plane(double alpha, double mu) {
        static final Plane ZERO = new Plane(0, 0);

        double value(boolean plus) {
            return plus ? mu + alpha : mu - alpha;
        }
    }

    private BinaryFit() {
    }

    /** Order-1 binarization of r[0..n); writes b into sign[0..n). */
    static Plane order1(double[] r, int n, boolean[] sign) {
        if (n == 0) return Plane.ZERO;
        double mu = 0;
        for (int i = 0; i < n; i++) mu += r[i];
        mu /= n;
        double alpha = 0;
        for (int i = 0; i < n; i++) {
            double c = r[i] - mu;
            alpha += Math.abs(c);
            sign[i] = c >= 0;
        }
        return new Plane(alpha / n, mu);
    }

    /**
     * Order-2 residual binarization: plane 1 on r, plane 2 on {@code r − plane1}. With {@code iterations
     * > 0} each plane is then refined against r minus the other plane, alternately (ARB).
     *
     * @param tmp scratch of length ≥ n
     * @return {plane1, plane2}
     */
    static Plane[] order2(double[] r, int n, boolean[] s1, boolean[] s2, double[] tmp, int iterations) {
        Plane p1 = order1(r, n, s1);
        for (int i = 0; i < n; i++) tmp[i] = r[i] - p1.value(s1[i]);
        Plane p2 = order1(tmp, n, s2);
        for (int it = 0; it < iterations; it++) {
            for (int i = 0; i < n; i++) tmp[i] = r[i] - p2.value(s2[i]);
            BinaryFit.Plane q1 = refine(tmp, n, s1, p1, 1);
            for (int i = 0; i < n; i++) tmp[i] = r[i] - q1.value(s1[i]);
            BinaryFit.Plane q2 = refine(tmp, n, s2, p2, 1);
            boolean stable = q1.equals(p1) && q2.equals(p2);
            p1 = q1;
            p2 = q2;
            if (stable) break;
        }
        return new Plane[] {p1, p2};
    }

    /** ARB on one plane: {@code iterations} rounds of LS (α, μ) given b, then b given (α, μ); stops when b is stable. */
    static Plane refine(double[] r, int n, boolean[] sign, Plane p, int iterations) {
        if (n == 0) return p;
        for (int it = 0; it < iterations; it++) {
            p = leastSquares(r, n, sign, p);
            boolean changed = false;
            for (int i = 0; i < n; i++) {
                boolean s = r[i] - p.mu() >= 0;
                changed |= s != sign[i];
                sign[i] = s;
            }
            if (!changed) break;
        }
        return p;
    }

    /** The (α, μ) minimising Σ (r − αb − μ)² for fixed b, with α ≥ 0 (a negative α flips b instead). */
    static Plane leastSquares(double[] r, int n, boolean[] sign, Plane previous) {
        double sb = 0, sr = 0, sbr = 0;
        for (int i = 0; i < n; i++) {
            double b = sign[i] ? 1 : -1;
            sb += b;
            sr += r[i];
            sbr += b * r[i];
        }
        double det = (double) n * n - sb * sb;
        if (det < 1e-9 * n * n) {
            // All signs equal: only α·b + μ is determined; keep α and put the mean into μ.
            double b = sign[0] ? 1 : -1;
            return new Plane(previous.alpha(), sr / n - previous.alpha() * b);
        }
        double alpha = (n * sbr - sb * sr) / det;
        double mu = (n * sr - sb * sbr) / det;
        if (alpha < 0) {
            for (int i = 0; i < n; i++) sign[i] = !sign[i];
            alpha = -alpha;
        }
        return new Plane(alpha, mu);
    }

    /** Σ (r − αb − μ)² of one plane. */
    static double sse(double[] r, int n, boolean[] sign, Plane p) {
        double e = 0;
        for (int i = 0; i < n; i++) {
            double d = r[i] - p.value(sign[i]);
            e += d * d;
        }
        return e;
    }
}
