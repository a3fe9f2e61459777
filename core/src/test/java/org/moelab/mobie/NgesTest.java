package org.moelab.mobie;

import org.junit.jupiter.api.Test;
import org.moelab.linalg.SpectralCompute;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The principal projector of the router input and the penalised Hessian. */
class NgesTest {

    @Test
    void theProjectorSpansTheEnergeticSubspace() {
        SplittableRandom rnd = new SplittableRandom(1);
        int dim = 12, t = 400, rank = 3;
        double[] x = new double[t * dim];
        for (int i = 0; i < t; i++) {
            for (int k = 0; k < rank; k++) {
                double z = rnd.nextGaussian() * (10 - k);
                for (int j = 0; j < dim; j++) x[i * dim + j] += z * Math.cos(0.3 * (k + 1) * j + k);
            }
            for (int j = 0; j < dim; j++) x[i * dim + j] += 1e-3 * rnd.nextGaussian();
        }
        double[] c = new double[dim * dim];
        Gemm.gemm(true, false, dim, dim, t, 1.0 / t, x, 0, x, 0, 0, c, 0);
        Nges.Projector p = Nges.projector(c, dim, 0.99, SpectralCompute.cpu());
        assertTrue(p.q() <= rank && p.q() >= 1, "rank " + p.q());
        double[] pp = new double[dim * dim];
        Gemm.gemm(false, false, dim, dim, dim, 1, p.principal(), 0, p.principal(), 0, 0, pp, 0);
        double trace = 0;
        for (int i = 0; i < dim; i++) {
            trace += p.principal()[i * dim + i];
            for (int j = 0; j < dim; j++) {
                assertEquals(p.principal()[i * dim + j], pp[i * dim + j], 1e-10, "idempotent");
                assertEquals(p.principal()[i * dim + j], p.principal()[j * dim + i], 1e-12, "symmetric");
            }
        }
        assertEquals(p.q(), trace, 1e-10);
        // The data lies in the principal subspace: P⊥ x ≈ x (99 % of the energy at least).
        double in = 0, all = 0;
        for (int i = 0; i < t; i++) {
            for (int a = 0; a < dim; a++) {
                double px = 0;
                for (int b = 0; b < dim; b++) px += p.principal()[a * dim + b] * x[i * dim + b];
                in += px * px;
                all += x[i * dim + a] * x[i * dim + a];
            }
        }
        assertTrue(in >= 0.99 * all, "energy kept " + in / all);
    }

    @Test
    void thePenaltyIsBetaTimesMeanDiagonalTimesTheProjector() {
        int dim = 4;
        double[] h = {4, 1, 0, 0, 1, 3, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1};
        double[] pr = new double[dim * dim];
        pr[0] = 1; // the principal subspace is e_0
        Nges.Projector p = new Nges.Projector(dim, 1, pr);
        double[] out = Nges.penalize(h, p, 0.5);
        double mean = (4 + 3 + 2 + 1) / 4.0;
        for (int i = 0; i < h.length; i++) assertEquals(h[i] + (i == 0 ? 0.5 * mean : 0), out[i], 1e-15);
        assertEquals(4.0, h[0], "input untouched");
        assertNull(Nges.penalize(null, p, 1));
    }
}
