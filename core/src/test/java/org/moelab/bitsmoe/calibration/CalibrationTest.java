package org.moelab.bitsmoe.calibration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.moelab.Progress;
import org.moelab.TestData;
import org.moelab.model.ModelLoader;
import org.moelab.model.MoeModel;
import org.moelab.tokenizer.MoeTokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CalibrationTest {

    static MoeModel model;
    static MoeTokenizer tok;
    static CalibrationSet set;

    @BeforeAll
    static void load() {
        model = ModelLoader.load(TestData.teachingModel());
        tok = MoeTokenizer.load(TestData.teachingModel());
        set = CalibrationCorpus.sample(tok, files(), 6, 64, 11, 0.05);
    }

    @AfterAll
    static void close() {
        tok.close();
        model.close();
    }

    static List<Path> files() {
        return CalibrationCorpus.DEFAULT_FILES.stream().map(f -> TestData.existing(TestData.repo().resolve(f))).toList();
    }

    @Test
    void samplingIsSeededAndSized() {
        CalibrationSet again = CalibrationCorpus.sample(tok, files(), 6, 64, 11, 0.05);
        assertEquals(set.sha256(), again.sha256());
        assertNotEquals(set.sha256(), CalibrationCorpus.sample(tok, files(), 6, 64, 12, 0.05).sha256());
        assertEquals(6, set.sequences().length);
        for (int[] s : set.sequences()) assertEquals(64, s.length);
        assertEquals("brown+sotu+moby-dick", set.name());
        assertThrows(IllegalArgumentException.class, () -> CalibrationCorpus.sample(tok, files(), 0, 64, 1, 0.05));
    }

    /**
     * With an orthonormal basis, Σ_k A_{e,k} = Σ_{t→e} g²‖x_t‖² whatever the basis (a rotation keeps
     * norms): checked for the identity and a random rotation, which must agree to round-off.
     */
    @Test
    void energiesAreRotationInvariantAndCountsAddUp() {
        int h = model.config().hidden();
        List<Calibration.LayerBases> identity = new ArrayList<>();
        List<Calibration.LayerBases> rotated = new ArrayList<>();
        for (int l = 0; l < model.config().layers(); l++) {
            identity.add(new Calibration.LayerBases(l, h, eye(h), eye(h)));
            rotated.add(new Calibration.LayerBases(l, h, randomOrthonormal(h, 5 + l), randomOrthonormal(h, 50 + l)));
        }
        Map<Integer, LayerStatistics> a = Calibration.run(model, set, identity, Progress.NONE);
        Map<Integer, LayerStatistics> b = Calibration.run(model, set, rotated, Progress.NONE);
        int k = model.config().topK();
        for (int l = 0; l < model.config().layers(); l++) {
            LayerStatistics sa = a.get(l);
            LayerStatistics sb = b.get(l);
            assertEquals((long) set.tokens() * k, sa.totalRouted(), "every token goes to K experts");
            assertArrayEquals(sa.tokens(), sb.tokens());
            double gTotal = 0;
            for (double g : sa.gSum()) gTotal += g;
            assertEquals(set.tokens(), gTotal, 1e-3, "renormalised routing weights sum to 1 per token");
            for (int e = 0; e < sa.experts(); e++) {
                double ea = rowSum(sa.gateEnergy(), e, h);
                double eb = rowSum(sb.gateEnergy(), e, h);
                double ub = rowSum(sb.upEnergy(), e, h);
                assertEquals(ea, eb, 1e-3 * Math.max(1, ea), "layer " + l + " expert " + e);
                assertEquals(ea, ub, 1e-3 * Math.max(1, ea));
                for (int i = 0; i < sa.intermediate(); i++) assertTrue(sa.downDiag()[e * sa.intermediate() + i] >= 0);
            }
        }
        CalibrationCoverage cov = CalibrationCoverage.of(a, 0.05, CalibrationCoverage.Policy.FLOOR);
        assertEquals(model.config().layers(), cov.tokens().length);
        CalibrationCoverage strict = CalibrationCoverage.of(a, 10.0, CalibrationCoverage.Policy.MORE_DATA);
        assertTrue(!strict.flagged().isEmpty());
        assertThrows(IllegalArgumentException.class, strict::enforce);
    }

    /**
     * Route-all statistics: with the identity basis, Σ_k A_{e,k} of an "all tokens" expert is Σ_t ‖x_t‖² over every
     * token of the layer (g = 1), which is the same for any two such experts; routed counts are unchanged.
     */
    @Test
    void routeAllGathersStatisticsOverEveryTokenWithoutChangingCounts() {
        int h = model.config().hidden();
        List<Calibration.LayerBases> identity = List.of(new Calibration.LayerBases(1, h, eye(h), eye(h)));
        Map<Integer, LayerStatistics> routed = Calibration.run(model, set, identity, Progress.NONE);
        Map<Integer, LayerStatistics> all = Calibration.run(model, set, identity, Map.of(1, java.util.Set.of(2, 9)), Progress.NONE);
        LayerStatistics r = routed.get(1);
        LayerStatistics a = all.get(1);
        assertArrayEquals(r.tokens(), a.tokens(), "routing and counts are untouched");
        double e2 = rowSum(a.gateEnergy(), 2, h);
        double e9 = rowSum(a.gateEnergy(), 9, h);
        assertEquals(e2, e9, 1e-6 * e2, "every token, same weight: the same input energy");
        assertTrue(e2 > rowSum(r.gateEnergy(), 2, h), "all tokens at g = 1 carry more energy than the routed share at g <= 1");
        assertEquals(rowSum(r.gateEnergy(), 5, h), rowSum(a.gateEnergy(), 5, h), 1e-9, "other experts are untouched");
        for (int i = 0; i < a.intermediate(); i++) assertTrue(a.downDiag()[2 * a.intermediate() + i] > 0);
    }

    static double rowSum(double[] m, int row, int cols) {
        double s = 0;
        for (int j = 0; j < cols; j++) s += m[row * cols + j];
        return s;
    }

    static float[] eye(int n) {
        float[] m = new float[n * n];
        for (int i = 0; i < n; i++) m[i * n + i] = 1;
        return m;
    }

    /** Rows of a random orthonormal matrix by Gram-Schmidt in double. */
    static float[] randomOrthonormal(int n, long seed) {
        Random r = new Random(seed);
        double[][] q = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) q[i][j] = r.nextGaussian();
            for (int p = 0; p < i; p++) {
                double d = 0;
                for (int j = 0; j < n; j++) d += q[i][j] * q[p][j];
                for (int j = 0; j < n; j++) q[i][j] -= d * q[p][j];
            }
            double norm = 0;
            for (int j = 0; j < n; j++) norm += q[i][j] * q[i][j];
            for (int j = 0; j < n; j++) q[i][j] /= Math.sqrt(norm);
        }
        float[] out = new float[n * n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) out[i * n + j] = (float) q[i][j];
        return out;
    }
}
