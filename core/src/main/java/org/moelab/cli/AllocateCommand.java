package org.moelab.cli;

import org.moelab.bitsmoe.BitsMoeRunner;
import org.moelab.model.MoeModel;
import org.moelab.tokenizer.MoeTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "allocate", mixinStandardHelpOptions = true,
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

    @Option(names = "--json", description = "Print the plan as one JSON line.")
    boolean json;

    @Override
    public void run() {
        var options = args.options();
        try (MoeModel m = model.load(); MoeTokenizer tok = MoeTokenizer.load(model.resolve())) {
            BitsMoeRunner.Planned p = BitsMoeRunner.plan(m, options, args.calibration(tok), Log.progressBar());
            if (json) Json.print(PlanReport.json(p));
            else PlanReport.print(p, System.out);
        }
    }
}
