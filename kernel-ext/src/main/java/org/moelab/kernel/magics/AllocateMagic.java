package org.moelab.kernel.magics;

import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import org.moelab.kernel.Magic;
import org.moelab.kernel.MagicContext;
import org.moelab.kernel.MagicException;
import org.moelab.kernel.MagicSchema;
import org.moelab.kernel.client.BackendException;
import org.moelab.kernel.render.Html;
import org.moelab.kernel.render.Rich;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * %moe-allocate: the BitsMoE bit allocation as a dry run (POST /v1/models/{id}/allocation: calibration, cost model,
 * solver; no weights written). Shows the plan, a bits heatmap, histogram bars per projection and, with --curve,
 * the predicted cost against the budget (one more allocation per budget).
 */
public final class AllocateMagic extends Magic<Plan> {

    public AllocateMagic() {
        super(BitsMoeBody.options(MagicSchema.builder("moe-allocate", "Plan the BitsMoE bit allocation for a budget without writing "
                                + "weights: bits per layer, projection and width, calibration coverage, size and time estimates.")
                        .number("bits", "B", null, 0, 16, "average bits per routed-expert weight (required)")
                        .flag("dry-run", "accepted for the CLI's sake: an allocation never writes weights")
                        .list("curve", "B1,B2,..", null, "also plan these budgets and chart predicted cost against budget"))
                .example("%moe-allocate --bits 2.5")
                .example("var plan = %moe-allocate --bits 2.5 --curve 1,2,3,4 --sequences 16 --length 128")
                .build(), Plan.class);
    }

    @Override
    protected Plan run(MagicSchema.Args a, String body, MagicContext ctx) throws InterruptedException {
        Double bits = a.number("bits");
        if (bits == null) throw new MagicException("--bits is required (e.g. %moe-allocate --bits 2.5)");
        List<Double> budgets = new ArrayList<>();
        for (String s : a.list("curve")) {
            try {
                double b = Double.parseDouble(s);
                if (!(b >= 0 && b <= 16)) throw new NumberFormatException();
                if (!budgets.contains(b) && b != bits) budgets.add(b);
            } catch (NumberFormatException e) {
                throw new MagicException("--curve expects budgets in [0, 16] like 1,2,3; got '" + s + "'");
            }
        }
        String model = Session.resolve(ctx, a.text("model"));
        String path = "/v1/models/" + model + "/allocation";
        int total = 1 + budgets.size();
        String status = ctx.displayUpdatable(note(String.format(Locale.ROOT, "allocating %s at %s bits (1/%d) ...", model, Plan.f(bits), total)));
        Plan plan = Json.read(ctx.backend().post(path, BitsMoeBody.request(a, bits)), Plan.class);
        if (!budgets.isEmpty()) {
            List<Plan.CurvePoint> curve = new ArrayList<>();
            curve.add(new Plan.CurvePoint(bits, plan.predictedCost(), plan.bitsWithScales()));
            List<String> skipped = new ArrayList<>();
            for (int i = 0; i < budgets.size(); i++) {
                double b = budgets.get(i);
                ctx.update(status, note(String.format(Locale.ROOT, "cost-vs-budget curve: %s bits (%d/%d) ...", Plan.f(b), i + 2, total)));
                try {
                    Plan p = Json.read(ctx.backend().post(path, BitsMoeBody.request(a, b)), Plan.class);
                    curve.add(new Plan.CurvePoint(b, p.predictedCost(), p.bitsWithScales()));
                } catch (BackendException e) {
                    if (!"budget_infeasible".equals(e.code())) throw e;
                    skipped.add(Plan.f(b));
                }
            }
            plan = plan.withCurve(curve);
            if (!skipped.isEmpty()) ctx.out().println("budgets the model cannot meet (skipped): " + String.join(", ", skipped));
        }
        ctx.update(status, note(String.format(Locale.ROOT, "allocated %s: %d plan(s)", model, plan.curve() == null ? 1 : plan.curve().size())));
        ctx.show(plan);
        return plan;
    }

    private static DisplayData note(String s) {
        return Rich.of(s, "<i>" + Html.escape(s) + "</i>");
    }
}
