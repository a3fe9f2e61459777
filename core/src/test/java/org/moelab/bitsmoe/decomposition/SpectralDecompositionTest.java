package org.moelab.bitsmoe.decomposition;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.moelab.Progress;
import org.moelab.TestData;
import org.moelab.model.ModelLoader;
import org.moelab.model.MoeModel;
import org.moelab.model.MoeWeights;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared-basis decomposition of the teaching model's layers (methods.md §1.1). */
class SpectralDecompositionTest {

    static MoeModel model;

    @BeforeAll
    static void load() {
        model = ModelLoader.load(TestData.teachingModel());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static MoeWeights moe(int layer) {
        return model.layers().get(layer).moe();
    }

    @Test
    void fullRankIsAnExactChangeOfBasisAtFp32RoundOff() {
        int h = model.config().hidden();
        for (int layer : List.of(0, 3)) {
            LayerDecomposition d = new SpectralDecomposition().decompose(layer, moe(layer), h, Progress.NONE);
            for (DecompositionCheck c : SpectralDecomposition.verify(d, moe(layer))) {
                assertTrue(c.maxRelativeError() < 2e-6, c.toString());
                assertTrue(c.orthonormalityError() < 1e-5, c.toString());
                assertTrue(c.ordered(), c.toString());
            }
        }
    }

    @Test
    void truncatedRankLosesExactlyTheDroppedEnergy() {
        // Eckart–Young on the stack: Σ_e ‖W_e − Ŵ_e‖² = Σ_{k ≥ r} λ_k (gate: M = [W_1; …; W_E], Ŵ = M V_r V_rᵀ).
        int r = 64;
        MoeWeights m = moe(1);
        LayerDecomposition d = new SpectralDecomposition().decompose(1, m, r, Progress.NONE);
        for (ProjectionFactors f : d.projections()) {
            double dropped = 0, total = 0;
            for (int k = 0; k < f.hidden(); k++) {
                total += f.eigenvalues()[k];
                if (k >= r) dropped += f.eigenvalues()[k];
            }
            double kept = 0; // Σ s² = energy captured by the first r directions
            for (float s : f.scales()) kept += (double) s * s;
            assertEquals(total - dropped, kept, 1e-4 * total, f.projection());
            Spectrum sp = Spectrum.of(f);
            assertEquals(1.0, sp.cumulative()[f.hidden() - 1], 1e-9);
            assertEquals((total - dropped) / total, sp.cumulative()[r - 1], 1e-9);
            assertTrue(sp.directionsFor(0.5) <= sp.directionsFor(0.9));
        }
    }

    @Test
    void rankOutsideOneToHiddenIsRejected() {
        var ex = assertThrows(IllegalArgumentException.class, () -> new SpectralDecomposition().decompose(0, moe(0), 0, Progress.NONE));
        assertTrue(ex.getMessage().contains("rank"), ex.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new SpectralDecomposition().decompose(0, moe(0), model.config().hidden() + 1, Progress.NONE));
    }
}
