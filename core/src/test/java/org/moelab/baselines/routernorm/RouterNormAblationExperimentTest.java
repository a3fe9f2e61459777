package org.moelab.baselines.routernorm;

import org.junit.jupiter.api.Test;
import org.moelab.Progress;
import org.moelab.baselines.DequantizedExperts;
import org.moelab.baselines.routernorm.RouterNormMixedPrecision.Options;
import org.moelab.baselines.routernorm.RouterNormMixedPrecision.Strategy;
import org.moelab.runtime.Transformer;

/** TEMPORARY: one-off measurement of the ablations (deleted after the run). */
class RouterNormAblationExperimentTest {

    @Test
    void measure() throws Exception {
        RouterNormOnTeachingModelTest.load();
        var model = RouterNormOnTeachingModelTest.model;
        var cal = RouterNormOnTeachingModelTest.calibration;
        System.out.printf("FP %.3f%n", RouterNormOnTeachingModelTest.ppl(new Transformer(model)));
        Object[][] runs = {
                {Options.defaults(2.5).withStrategy(Strategy.ROUTER_NORM_ONLY), "2.5 router-norm only"},
                {Options.defaults(2.5).withStrategy(Strategy.MAXVAR_ONLY), "2.5 maxvar only"},
                {Options.defaults(2.5).withStrategy(Strategy.FREQUENCY), "2.5 frequency"},
                {Options.defaults(2.5).withStrategy(Strategy.RANDOM).withSeed(0), "2.5 random seed 0"},
                {Options.defaults(2.5).withStrategy(Strategy.RANDOM).withSeed(1), "2.5 random seed 1"},
                {Options.defaults(2.5).withTiers(TierAssignment.threeLevel()), "2.5 method 3-level"},
                {Options.defaults(2.125), "2.125 method"},
                {Options.defaults(2.75), "2.75 method"},
        };
        for (Object[] run : runs) {
            var r = RouterNormMixedPrecision.run(model, cal, (Options) run[0], Progress.NONE);
            double p = RouterNormOnTeachingModelTest.ppl(new Transformer(model, DequantizedExperts.layers(model, r.experts())));
            System.out.printf("RESULT %s: ppl %.3f (realised %.4f, %.1f s)%n", run[1], p, r.plan().realisedAverage(), r.seconds());
        }
        RouterNormOnTeachingModelTest.close();
    }
}
