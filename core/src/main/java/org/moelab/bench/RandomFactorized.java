package org.moelab.bench;

import org.moelab.bitsmoe.QuantizedLayer;
import org.moelab.bitsmoe.execution.BasisStorage;
import org.moelab.bitsmoe.execution.FactorizedExperts;
import org.moelab.bitsmoe.execution.SharedBasis;
import org.moelab.model.MoeWeights;
import org.moelab.quant.PackedLayout;

import java.util.SplittableRandom;

/**
 * A BitsMoE layer with a real MoE layer's shapes (E experts, r = H, I) and random contents, for speed only: decode
 * time depends on the shapes and on how many components sit at each width, not on the values. Component widths are
 * drawn from a histogram (by default the teaching model's 2.5-bit plan), payload bytes are random (every byte is a
 * valid code of the 1/2/3/4/8-bit layouts when I·b is a whole number of bytes), group scales and s near 1/√I.
 */
public final class RandomFactorized {

    /**
     * Share of components per width in the teaching model's exact 2.5-bit plan (allocate --bits 2.5, 32 × 256
     * calibration): {0: 21.9 %, 1: 12.7 %, 2: 10.4 %, 3: 22.3 %, 4: 28.1 %, 8: 4.7 %}; average 2.50 bits.
     */
    public static final int[] WIDTHS = {0, 1, 2, 3, 4, 8};
    public static final double[] SHARES_2_5 = {0.219, 0.127, 0.104, 0.223, 0.281, 0.047};

    private RandomFactorized() {
    }

    /** Layer {@code layer}'s factorized form at rank H, bases stored as {@code basis}. */
    public static QuantizedLayer layer(int layer, MoeWeights w, int hidden, BasisStorage basis, double[] shares, long seed) {
        int e = w.expertCount();
        var gate = w.experts().getFirst().gate(); // (I, H)
        int inter = (int) (gate.dim(1) == hidden ? gate.dim(0) : gate.dim(1));
        SplittableRandom r = new SplittableRandom(seed);
        SharedBasis[] b = new SharedBasis[3];
        FactorizedExperts[] f = new FactorizedExperts[3];
        for (int p = 0; p < 3; p++) {
            float[] rows = new float[hidden * hidden]; // (r = H, H)
            float scale = (float) (1 / Math.sqrt(hidden));
            for (int i = 0; i < rows.length; i++) rows[i] = (float) r.nextGaussian() * scale;
            b[p] = SharedBasis.of(rows, hidden, hidden, basis);
            f[p] = experts(e, hidden, inter, shares, r);
        }
        return new QuantizedLayer(layer, hidden, hidden, b[0], b[1], b[2], f[0], f[1], f[2]);
    }

    /** (E, r) components of length I at widths drawn from {@code shares}. */
    static FactorizedExperts experts(int e, int rank, int inter, double[] shares, SplittableRandom r) {
        int g = 128;
        FactorizedExperts.Builder builder = FactorizedExperts.builder(e, rank, inter, g);
        for (int u = 0; u < e * rank; u++) {
            int bits = draw(shares, r.nextDouble());
            if (bits == 0) continue;
            PackedLayout l = PackedLayout.forBits(bits);
            if ((long) inter * bits % 8 != 0) throw new IllegalArgumentException("I = " + inter + " at " + bits + " bits is not whole bytes");
            byte[] payload = new byte[Math.toIntExact(l.bytes(inter))];
            r.nextBytes(payload);
            short[] scales = new short[l.scaleCount(inter, g)];
            for (int k = 0; k < scales.length; k++) scales[k] = Float.floatToFloat16((float) ((0.5 + r.nextDouble()) / Math.sqrt(inter)));
            builder.add(u, (float) (0.5 + r.nextDouble()), l, payload, 0, scales, 0);
        }
        return builder.build();
    }

    private static int draw(double[] shares, double x) {
        double acc = 0;
        for (int i = 0; i < shares.length; i++) {
            acc += shares[i];
            if (x < acc) return WIDTHS[i];
        }
        return WIDTHS[WIDTHS.length - 1];
    }

    /** The average width the shares describe. */
    public static double averageBits(double[] shares) {
        double a = 0, sum = 0;
        for (int i = 0; i < shares.length; i++) {
            a += shares[i] * WIDTHS[i];
            sum += shares[i];
        }
        return a / sum;
    }
}
