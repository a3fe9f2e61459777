package org.moelab.backend.stages;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.moelab.Progress;
import org.moelab.backend.jobs.Job;
import org.moelab.backend.jobs.JobService;
import org.moelab.backend.models.ModelEntry;
import org.moelab.bitsmoe.BitsMoe;
import org.moelab.bitsmoe.BitsMoeOptions;
import org.moelab.bitsmoe.calibration.CalibrationCoverage;
import org.moelab.bitsmoe.calibration.CalibrationSet;
import org.moelab.bitsmoe.calibration.LayerStatistics;
import org.moelab.bitsmoe.cost.CostModel;
import org.moelab.bitsmoe.decomposition.LayerDecomposition;
import org.moelab.model.ModelConfig;
import org.moelab.model.MoeModel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * BitsMoE's calibration and cost-model stages (methods.md §1.3) on their own, so a notebook can look at the coverage
 * report before choosing a budget, and at the predicted cost of each width before allocating.
 */
@ApplicationScoped
public class PlanningStages {

    static final List<Job.StageWeight> CALIBRATE = List.of(new Job.StageWeight("calibration sample", 0, 0.05),
            new Job.StageWeight("decompose", 0.05, 0.45), new Job.StageWeight("calibrate", 0.5, 0.5));
    static final List<Job.StageWeight> COST = List.of(new Job.StageWeight("calibration sample", 0, 0.03),
            new Job.StageWeight("decompose", 0.03, 0.27), new Job.StageWeight("calibrate", 0.3, 0.3),
            new Job.StageWeight("cost", 0.6, 0.4));

    /** Per (layer, projection): the predicted cost Σ_u c_{u,b} with every unit at width b, for each candidate b. */
    public record CostCurve(int layer, String projection, int experts, int rank, int[] candidates, double[] totalCost) {
    }

    @Inject
    JobService jobs;
    @Inject
    Stages stages;

    public Job calibration(String id, StageRequests.Calibration req) {
        return submit("calibration", id, req, CALIBRATE, false);
    }

    public Job cost(String id, StageRequests.Calibration req) {
        return submit("cost", id, req, COST, true);
    }

    private Job submit(String kind, String id, StageRequests.Calibration req, List<Job.StageWeight> weights, boolean withCosts) {
        ModelEntry e = stages.quantizable(id);
        ModelConfig cfg = Stages.config(e);
        BitsMoeRequest bm = req.asBitsMoe();
        BitsMoeOptions o = bm.options(cfg);
        int sequences = bm.sequences();
        int length = bm.length(cfg);
        return jobs.submit(kind, e, req, weights, (lease, ctx) -> {
            MoeModel model = lease.loaded().model();
            CalibrationSet cal = stages.calibration(lease.tokenizer(), bm, cfg);
            ctx.progress().update("calibration sample", 1, 1);
            BitsMoe b = new BitsMoe(o);
            List<Integer> layers = b.layers(model);
            List<LayerDecomposition> d = new ArrayList<>();
            for (int i = 0; i < layers.size(); i++) {
                d.add(b.decomposeLayer(model, layers.get(i)));
                ctx.progress().update("decompose", i + 1, layers.size());
            }
            Map<Integer, LayerStatistics> stats = b.calibrate(model, d, cal, ctx.progress());
            CalibrationCoverage c = b.coverage(stats);
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("model", lease.id());
            r.put("calibration", new PlanView.Calibration(cal.name(), cal.sequences().length,
                    cal.sequences().length == 0 ? 0 : cal.sequences()[0].length, cal.seed(), cal.sha256()));
            r.put("coverage", new PlanView.Coverage(c.layers(), c.tokens(), c.threshold(), c.policy().name().toLowerCase(Locale.ROOT),
                    c.flagged()));
            if (withCosts) {
                c.enforce();
                if (!c.flagged().isEmpty() && o.coveragePolicy() == CalibrationCoverage.Policy.ROUTE_ALL) {
                    b.routeAllForFlagged(model, d, cal, stats, c, Progress.NONE);
                }
                List<CostCurve> curves = new ArrayList<>();
                for (int i = 0; i < d.size(); i++) {
                    for (CostModel.ProjectionCosts pc : b.layerCosts(d.get(i), stats)) curves.add(curve(pc));
                    ctx.progress().update("cost", i + 1, d.size());
                }
                r.put("costs", curves);
            }
            return r;
        });
    }

    static CostCurve curve(CostModel.ProjectionCosts pc) {
        int units = pc.experts() * pc.rank();
        double[] total = new double[pc.candidates().length];
        for (int u = 0; u < units; u++) {
            for (int c = 0; c < total.length; c++) total[c] += pc.cost(u, c);
        }
        return new CostCurve(pc.layer(), pc.projection(), pc.experts(), pc.rank(), pc.candidates(), total);
    }
}
