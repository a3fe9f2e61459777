package org.moelab.linalg;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** BLAS/LAPACK Gram (both precisions) and eigensolve against brute-force loops and the eigen equation. */
class SpectralComputeTest {

    private final SpectralCompute cpu = SpectralCompute.cpu();

    @Test
    void defaultIsTheFloatGramUnlessConfigured() {
        assertEquals(System.getProperty("moelab.gram") == null ? GramPrecision.FLOAT : GramPrecision.configured(), cpu.gramPrecision());
        assertEquals(GramPrecision.DOUBLE, SpectralCompute.cpu(GramPrecision.DOUBLE).gramPrecision());
        String old = System.getProperty("moelab.gram");
        try {
            System.setProperty("moelab.gram", "half");
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, GramPrecision::configured);
            assertTrue(e.getMessage().contains("expected float or double"), e.getMessage());
            System.setProperty("moelab.gram", "DOUBLE");
            assertEquals(GramPrecision.DOUBLE, SpectralCompute.cpu().gramPrecision());
        } finally {
            if (old == null) System.clearProperty("moelab.gram");
            else System.setProperty("moelab.gram", old);
        }
    }

    private static float[] random(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }

    @ParameterizedTest
    @EnumSource(GramPrecision.class)
    void gramOfColumnsAccumulatesATransposeA(GramPrecision p) {
        // 5 columns: one mirror tile; 150: three column tiles of 64 (the last partial), mirrored on two threads
        for (int cols : new int[] {5, 150}) gramOfColumns(p, cols);
    }

    private static void gramOfColumns(GramPrecision p, int cols) {
        SpectralCompute cpu = SpectralCompute.cpu(p);
        Random rnd = new Random(cols);
        int rows = 300;
        float[] a = random(rnd, rows * cols);
        float[] b = random(rnd, rows * cols);
        double[] g = new double[cols * cols];
        cpu.addGramOfColumns(a, rows, cols, g);
        cpu.addGramOfColumns(b, rows, cols, g);
        for (int i = 0; i < cols; i++) {
            for (int j = 0; j < cols; j++) {
                double want = 0;
                double mag = 0;
                for (int r = 0; r < rows; r++) {
                    want += (double) a[r * cols + i] * a[r * cols + j] + (double) b[r * cols + i] * b[r * cols + j];
                    mag += Math.abs((double) a[r * cols + i] * a[r * cols + j]) + Math.abs((double) b[r * cols + i] * b[r * cols + j]);
                }
                assertEquals(want, g[i * cols + j], p.relativeBudget(rows) * mag, "G[" + i + "," + j + "]");
                assertEquals(g[i * cols + j], g[j * cols + i], 0.0, "symmetric");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(GramPrecision.class)
    void gramOfRowsAccumulatesAATranspose(GramPrecision p) {
        SpectralCompute cpu = SpectralCompute.cpu(p);
        Random rnd = new Random(2);
        int rows = 4, cols = 900;
        float[] a = random(rnd, rows * cols);
        double[] g = new double[rows * rows];
        cpu.addGramOfRows(a, rows, cols, g);
        cpu.addGramOfRows(a, rows, cols, g);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < rows; j++) {
                double want = 0;
                double mag = 0;
                for (int c = 0; c < cols; c++) {
                    want += 2.0 * a[i * cols + c] * a[j * cols + c];
                    mag += Math.abs(2.0 * a[i * cols + c] * a[j * cols + c]);
                }
                assertEquals(want, g[i * rows + j], p.relativeBudget(cols) * mag);
            }
        }
    }

    @Test
    void factorProductsOnBlasAgreeWithBruteForceAndTheVectorApiDefault() {
        Random rnd = new Random(4);
        SpectralCompute vectorApi = new SpectralCompute() {   // only the interface's default multiplyTransposed
            @Override
            public void addGramOfColumns(float[] a, int rows, int cols, double[] g) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void addGramOfRows(float[] a, int rows, int cols, double[] g) {
                throw new UnsupportedOperationException();
            }

            @Override
            public SymmetricEigen eigen(double[] g, int n) {
                throw new UnsupportedOperationException();
            }
        };
        for (int[] d : new int[][] {{1, 1, 1}, {7, 31, 5}, {33, 129, 17}, {64, 200, 100}}) {
            int out = d[0], in = d[1], n = d[2];
            float[] w = random(rnd, out * in);
            float[] x = random(rnd, n * in);
            float[] blas = new float[n * out];
            float[] vec = new float[n * out];
            cpu.multiplyTransposed(w, out, in, x, n, blas);
            vectorApi.multiplyTransposed(w, out, in, x, n, vec);
            for (int t = 0; t < n; t++) {
                for (int o = 0; o < out; o++) {
                    double want = 0;
                    double mag = 0;
                    for (int i = 0; i < in; i++) {
                        want += (double) x[t * in + i] * w[o * in + i];
                        mag += Math.abs((double) x[t * in + i] * w[o * in + i]);
                    }
                    assertEquals(want, blas[t * out + o], 2 * in * 0x1p-24 * mag, "BLAS Y[" + t + "," + o + "] of " + java.util.Arrays.toString(d));
                    assertEquals(want, vec[t * out + o], 2 * in * 0x1p-24 * mag, "Vector API Y[" + t + "," + o + "]");
                }
            }
        }
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> cpu.multiplyTransposed(new float[3], 2, 2, new float[4], 2, new float[4]));
    }

    @Test
    void eigenSatisfiesTheEigenEquationSortedLargestFirst() {
        Random rnd = new Random(3);
        int n = 12;
        double[] g = new double[n * n];
        cpu.addGramOfColumns(random(rnd, 20 * n), 20, n, g);
        double[] before = g.clone();
        SymmetricEigen eig = cpu.eigen(g, n);
        assertEquals(java.util.Arrays.toString(before), java.util.Arrays.toString(g), "input must not be modified");
        for (int k = 0; k < n; k++) {
            if (k > 0) assertTrue(eig.values()[k] <= eig.values()[k - 1], "values sorted descending");
            for (int i = 0; i < n; i++) {
                double gv = 0;
                for (int j = 0; j < n; j++) gv += g[i * n + j] * eig.vectors()[k * n + j];
                assertEquals(eig.values()[k] * eig.vectors()[k * n + i], gv, 1e-9 * eig.values()[0]);
            }
            for (int l = 0; l < n; l++) {
                double dot = 0;
                for (int j = 0; j < n; j++) dot += eig.vectors()[k * n + j] * eig.vectors()[l * n + j];
                assertEquals(k == l ? 1 : 0, dot, 1e-12);
            }
        }
    }
}
