package org.moelab.mobie;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The two error kernels of {@link BlockBinarizer}'s searches, which are almost all of a binarization's
 * time: the Vector API paths, each tested against the scalar reference next to it
 * ({@link BlockBinarizer#order2Error}, {@link BlockBinarizer#splitError}). Same closed forms, lanes of
 * doubles, tails under a mask.
 */
final class SearchErrors {

    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;

    private SearchErrors() {
    }

    /** {@link BlockBinarizer#order2Error} with vectors. */
    static double order2Error(double[] a, double[] c, int off, int from, int to) {
        int n = to - from;
        if (n <= 0) return 0;
        int step = D.length();
        DoubleVector acc = DoubleVector.zero(D);
        for (int j = from; j < to; j += step) {
            VectorMask<Double> m = D.indexInRange(j, to);
            acc = acc.add(DoubleVector.fromArray(D, a, off + j, m));
        }
        double mu1 = acc.reduceLanes(VectorOperators.ADD) / n;
        DoubleVector vmu1 = DoubleVector.broadcast(D, mu1), zero = DoubleVector.zero(D);
        DoubleVector abs = zero;
        int plus = 0;
        for (int j = from; j < to; j += step) {
            VectorMask<Double> m = D.indexInRange(j, to);
            DoubleVector d = DoubleVector.fromArray(D, a, off + j, m).sub(vmu1);
            abs = abs.add(d.abs(), m);
            plus += d.compare(VectorOperators.GE, zero).and(m).trueCount();
        }
        double alpha1 = abs.reduceLanes(VectorOperators.ADD) / n;
        double mu2 = -alpha1 * (2 * plus - n) / n;
        DoubleVector va = DoubleVector.broadcast(D, alpha1), vna = DoubleVector.broadcast(D, -alpha1);
        DoubleVector vmu2 = DoubleVector.broadcast(D, mu2);
        DoubleVector sa = DoubleVector.zero(D), sca = sa, sce2 = sa, sc = sa;
        for (int j = from; j < to; j += step) {
            VectorMask<Double> m = D.indexInRange(j, to);
            DoubleVector d = DoubleVector.fromArray(D, a, off + j, m).sub(vmu1);
            DoubleVector shift = vna.blend(va, d.compare(VectorOperators.LT, zero));
            DoubleVector e = d.add(shift).sub(vmu2);
            DoubleVector cj = DoubleVector.fromArray(D, c, j, m); // 0 outside the range
            DoubleVector ae = e.abs();
            sa = sa.add(ae, m);
            sca = ae.fma(cj, sca);
            sce2 = e.mul(e).fma(cj, sce2);
            sc = sc.add(cj);
        }
        double alpha2 = sa.reduceLanes(VectorOperators.ADD) / n;
        return sce2.reduceLanes(VectorOperators.ADD) - 2 * alpha2 * sca.reduceLanes(VectorOperators.ADD)
                + alpha2 * alpha2 * sc.reduceLanes(VectorOperators.ADD);
    }

    /** {@link BlockBinarizer#splitError} with vectors: group 1 (|s| > τ) accumulated under its mask, group 0 as the rest. */
    static double splitError(double[] a, double[] s, double[] c, int off, int from, int to, double tau) {
        int step = D.length();
        DoubleVector vtau = DoubleVector.broadcast(D, tau);
        DoubleVector all = DoubleVector.zero(D), in1 = all;
        int n1 = 0;
        for (int j = from; j < to; j += step) {
            VectorMask<Double> m = D.indexInRange(j, to);
            DoubleVector x = DoubleVector.fromArray(D, a, off + j, m);
            VectorMask<Double> g = DoubleVector.fromArray(D, s, off + j, m).abs().compare(VectorOperators.GT, vtau).and(m);
            all = all.add(x);
            in1 = in1.add(x, g);
            n1 += g.trueCount();
        }
        int n0 = to - from - n1;
        double sum1 = in1.reduceLanes(VectorOperators.ADD), sum0 = all.reduceLanes(VectorOperators.ADD) - sum1;
        double mu0 = n0 == 0 ? 0 : sum0 / n0, mu1 = n1 == 0 ? 0 : sum1 / n1;
        DoubleVector vmu0 = DoubleVector.broadcast(D, mu0), vmu1 = DoubleVector.broadcast(D, mu1);
        DoubleVector ta = DoubleVector.zero(D), tca = ta, tcd = ta, tc = ta, ga = ta, gca = ta, gcd = ta, gc = ta;
        for (int j = from; j < to; j += step) {
            VectorMask<Double> m = D.indexInRange(j, to);
            DoubleVector x = DoubleVector.fromArray(D, a, off + j, m);
            VectorMask<Double> g = DoubleVector.fromArray(D, s, off + j, m).abs().compare(VectorOperators.GT, vtau).and(m);
            DoubleVector cj = DoubleVector.fromArray(D, c, j, m);
            DoubleVector d = x.sub(vmu0.blend(vmu1, g));
            DoubleVector ad = d.abs(), cad = ad.mul(cj), cdd = d.mul(d).mul(cj);
            ta = ta.add(ad, m);
            tca = tca.add(cad);
            tcd = tcd.add(cdd);
            tc = tc.add(cj);
            ga = ga.add(ad, g);
            gca = gca.add(cad, g);
            gcd = gcd.add(cdd, g);
            gc = gc.add(cj, g);
        }
        double a1 = ga.reduceLanes(VectorOperators.ADD), ca1 = gca.reduceLanes(VectorOperators.ADD);
        double cd1 = gcd.reduceLanes(VectorOperators.ADD), c1 = gc.reduceLanes(VectorOperators.ADD);
        double a0 = ta.reduceLanes(VectorOperators.ADD) - a1, ca0 = tca.reduceLanes(VectorOperators.ADD) - ca1;
        double cd0 = tcd.reduceLanes(VectorOperators.ADD) - cd1, c0 = tc.reduceLanes(VectorOperators.ADD) - c1;
        double al0 = n0 == 0 ? 0 : a0 / n0, al1 = n1 == 0 ? 0 : a1 / n1;
        return cd0 - 2 * al0 * ca0 + al0 * al0 * c0 + cd1 - 2 * al1 * ca1 + al1 * al1 * c1;
    }
}
