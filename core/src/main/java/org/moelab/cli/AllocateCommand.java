package org.moelab.cli;

import org.moelab.bitsmoe.BitsMoeRunner;
import org.moelab.bitsmoe.RunCheckpoint;
import org.moelab.bitsmoe.CostModelCheck;
import org.moelab.bitsmoe.calibration.CalibrationCorpus;
import org.moelab.bitsmoe.calibration.CalibrationSet;
import org.moelab.bitsmoe.cost.CostModel;
import org.moelab.bitsmoe.decomposition.LayerDecomposition;
import org.moelab.model.MoeModel;
import org.moelab.tokenizer.MoeTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

@Command(name = "allocate", mixinStandardHelpOptions = true,
        header = "The BitsMoE bit-allocation plan alone, without touching any weights (a dry run).",
        description = {"The BitsMoE bit-allocation plan without touching any weights (always a dry run): calibration",
                "coverage, bits per layer/projection, histogram, predicted cost, realised bits in every accounting",
                "mode, solver, gap, time, and estimates of size, peak memory and time for the real run."})
final class AllocateCommand implements Runnable {

    @Mixin
    ModelOption model;

    @Mixin
    BitsMoeArgs args;

    @Option(names = "--dry-run", description = "Accepted for clarity; allocate never writes weights.")
    boolean dryRun;

    @Option(names = "--check-cost-model", description = {"Also compare predicted cost with the measured output error of each",
            "layer on held-out text (the corpora's last 5 %%) over 16 allocations, and report Spearman's rho."})
    boolean checkCostModel;

    @Option(names = "--json", description = "Print the plan as one JSON line.")
    boolean json;

    @Override
    public void run() {
        var options = args.options();
        RunCheckpoint work = null;
        try (MoeModel m = model.load(); MoeTokenizer tok = MoeTokenizer.load(model.resolve())) {
            CalibrationSet cal = args.calibration(tok);
            // layers stream through a temporary work directory, as in quantize: one layer's factors on the heap
            work = RunCheckpoint.temporary();
            BitsMoeRunner.Planned p = BitsMoeRunner.plan(m, options, cal, work, Log.progressBar());
            Map<String, Object> report = PlanReport.json(p);
            if (checkCostModel) {
                CalibrationSet heldOut = CalibrationCorpus.heldOut(tok, CalibrationCorpus.defaultFiles(ModelOption.home()), 4, 256, 4321, 0.05);
                Map<Integer, Double> rho = new TreeMap<>();
                for (LayerDecomposition d : p.decompositions()) {
                    List<CostModel.ProjectionCosts> lc = p.costs().stream().filter(c -> c.layer() == d.layer()).toList();
                    rho.put(d.layer(), CostModelCheck.run(m, d, lc, heldOut, options, 8, 5).spearman());
                    Log.info("cost model check, layer %d: Spearman %.3f", d.layer(), rho.get(d.layer()));
                }
                report.put("cost_model_spearman", rho);
            }
            if (json) {
                Json.print(report);
            } else {
                PlanReport.print(p, System.out);
                if (report.containsKey("cost_model_spearman")) {
                    System.out.println("cost model vs measured layer error (Spearman, held-out text): " + report.get("cost_model_spearman"));
                }
            }
        } finally {
            if (work != null) work.finish();
        }
    }
}
