package org.moelab.cli;

import org.moelab.bitsmoe.BitsMoeRunner;
import org.moelab.bitsmoe.allocation.AllocationPlan;
import org.moelab.bitsmoe.allocation.AllocationSummary;
import org.moelab.bitsmoe.calibration.CalibrationCoverage;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The plan as people read it (text) and as programs read it (a JSON map). */
final class PlanReport {

    private PlanReport() {
    }

    static void print(BitsMoeRunner.Planned p, PrintStream out) {
        AllocationPlan plan = p.plan();
        CalibrationCoverage c = p.coverage();
        out.println("== calibration coverage (routed tokens per layer x expert) ==");
        for (int i = 0; i < c.layers().size(); i++) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "layer %2d:", c.layers().get(i)));
            for (long t : c.tokens()[i]) row.append(String.format(Locale.ROOT, " %6d", t));
            out.println(row);
        }
        out.printf(Locale.ROOT, "flagged (< %d tokens): %d experts, policy %s%n", c.threshold(), c.flagged().size(), c.policy());
        c.flagged().forEach(f -> out.printf("  layer %d expert %d: %d tokens%n", f.layer(), f.expert(), f.tokens()));
        out.println("protected (source precision): router, shared experts, attention, embeddings, lm_head, norms");
        out.println("== allocation ==");
        out.println(AllocationSummary.table(AllocationSummary.byProjection(p.problem(), plan)));
        out.printf(Locale.ROOT, "histogram (bits -> components): %s%n", plan.histogram());
        out.printf(Locale.ROOT, "average bits: payload %.4f | +scales %.4f | +basis %.4f  (budget %.4f, %s)%n",
                plan.averageBits().payload(), plan.averageBits().plusScales(), plan.averageBits().plusBasis(),
                plan.budgetAverageBits(), plan.mode());
        out.printf(Locale.ROOT, "predicted cost %.6g | solver %s %s | gap %s | %.2f s%n", plan.predictedCost(), plan.solver(),
                plan.state(), plan.gap() == null ? "n/a" : String.format(Locale.ROOT, "%.3g", plan.gap()), plan.wallSeconds());
        p.fallbacks().forEach(f -> out.println("fallback: " + f));
        out.println("== estimates ==");
        out.printf(Locale.ROOT, "artifact size %.2f MiB | peak memory %.2f MiB | pack + write ~%.1f s%n",
                p.estimate().artifactBytes() / 1048576.0, p.estimate().peakMemoryBytes() / 1048576.0, p.estimate().packAndWriteSeconds());
        p.stages().forEach(s -> out.printf(Locale.ROOT, "stage %-10s %7.2f s  peak heap %7.1f MiB%n", s.stage(), s.seconds(),
                s.peakHeapBytes() / 1048576.0));
    }

    static Map<String, Object> json(BitsMoeRunner.Planned p) {
        AllocationPlan plan = p.plan();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("bits", plan.budgetAverageBits());
        m.put("mode", plan.mode().name().toLowerCase(Locale.ROOT));
        m.put("bits_payload", plan.averageBits().payload());
        m.put("bits_with_scales", plan.averageBits().plusScales());
        m.put("bits_with_basis", plan.averageBits().plusBasis());
        m.put("histogram", plan.histogram());
        m.put("by_layer_projection", AllocationSummary.byProjection(p.problem(), plan));
        m.put("predicted_cost", plan.predictedCost());
        m.put("solver", plan.solver().name().toLowerCase(Locale.ROOT));
        m.put("state", plan.state());
        m.put("gap", plan.gap());
        m.put("allocation_seconds", plan.wallSeconds());
        m.put("coverage_threshold", p.coverage().threshold());
        m.put("coverage_flagged", p.coverage().flagged());
        m.put("coverage_policy", p.coverage().policy().name().toLowerCase(Locale.ROOT));
        m.put("estimated_bytes", p.estimate().artifactBytes());
        m.put("estimated_peak_memory_bytes", p.estimate().peakMemoryBytes());
        m.put("estimated_pack_write_seconds", p.estimate().packAndWriteSeconds());
        m.put("stages", p.stages());
        m.put("fallbacks", p.fallbacks());
        return m;
    }
}
