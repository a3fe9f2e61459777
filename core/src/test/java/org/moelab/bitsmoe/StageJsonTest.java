package org.moelab.bitsmoe;

import com.fasterxml.jackson.core.type.TypeReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moelab.Progress;
import org.moelab.TestData;
import org.moelab.bitsmoe.allocation.AllocationPlan;
import org.moelab.bitsmoe.calibration.CalibrationCorpus;
import org.moelab.bitsmoe.calibration.CalibrationCoverage;
import org.moelab.bitsmoe.calibration.LayerStatistics;
import org.moelab.bitsmoe.cost.CostModel;
import org.moelab.bitsmoe.decomposition.DecompositionCheck;
import org.moelab.bitsmoe.decomposition.LayerDecomposition;
import org.moelab.bitsmoe.decomposition.SpectralDecomposition;
import org.moelab.bitsmoe.decomposition.Spectrum;
import org.moelab.model.ModelLoader;
import org.moelab.model.MoeModel;
import org.moelab.tokenizer.MoeTokenizer;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Each stage result saved as JSON reloads exactly (the notebooks run and inspect one stage at a time). */
class StageJsonTest {

    @TempDir
    Path tmp;

    static <T> T roundTrip(Object stage, Class<T> type) {
        String json = StageJson.toJson(stage);
        T back = StageJson.fromJson(json, type);
        assertEquals(json, StageJson.toJson(back), type.getSimpleName() + " must reload exactly");
        return back;
    }

    @Test
    void everyStageRoundTripsExactly() throws Exception {
        try (MoeModel model = ModelLoader.load(TestData.teachingModel()); MoeTokenizer tok = MoeTokenizer.load(TestData.teachingModel())) {
            BitsMoeOptions o = BitsMoeOptions.defaults(2.5).withLayers(List.of(0)).withRank(16);
            BitsMoe b = new BitsMoe(o);
            List<LayerDecomposition> d = b.decompose(model, Progress.NONE);
            LayerDecomposition back = roundTrip(d.getFirst(), LayerDecomposition.class);
            assertArrayEquals(d.getFirst().down().units(), back.down().units());
            assertArrayEquals(d.getFirst().gate().eigenvalues(), back.gate().eigenvalues());
            roundTrip(Spectrum.of(d.getFirst().up()), Spectrum.class);
            roundTrip(SpectralDecomposition.verify(d.getFirst(), model.layers().get(0).moe()).getFirst(), DecompositionCheck.class);

            var cal = CalibrationCorpus.sample(tok, CalibrationCorpus.defaultFiles(TestData.repo()),
                    4, 64, 1, 0.05);
            Map<Integer, LayerStatistics> stats = b.calibrate(model, d, cal, Progress.NONE);
            Path f = tmp.resolve("stats.json");
            StageJson.write(f, stats);
            Map<Integer, LayerStatistics> statsBack = StageJson.read(f, new TypeReference<Map<Integer, LayerStatistics>>() { });
            assertArrayEquals(stats.get(0).downDiag(), statsBack.get(0).downDiag());
            roundTrip(b.coverage(stats), CalibrationCoverage.class);

            List<CostModel.ProjectionCosts> costs = b.costs(d, stats, Progress.NONE);
            roundTrip(costs.get(2), CostModel.ProjectionCosts.class);
            AllocationPlan plan = b.allocate(b.problem(model, costs), Progress.NONE);
            AllocationPlan planBack = roundTrip(plan, AllocationPlan.class);
            assertArrayEquals(plan.bits(), planBack.bits());
        }
    }

    @Test
    void malformedJsonNamesTheExpectedStage() {
        var e = assertThrows(IllegalArgumentException.class, () -> StageJson.fromJson("{\"layer\": \"x\"}", Spectrum.class));
        assertEquals(true, e.getMessage().startsWith("not a Spectrum"), e.getMessage());
    }
}
