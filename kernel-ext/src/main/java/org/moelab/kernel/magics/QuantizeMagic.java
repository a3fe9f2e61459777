package org.moelab.kernel.magics;

import com.fasterxml.jackson.databind.JsonNode;
import org.moelab.kernel.Magic;
import org.moelab.kernel.MagicContext;
import org.moelab.kernel.MagicException;
import org.moelab.kernel.MagicSchema;
import org.moelab.kernel.render.JobProgress;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * %moe-quantize: runs BitsMoE stages on the backend with a live progress bar, then shows what each stage made:
 * decompose → eigen-spectrum and cumulative-energy charts per projection and expert-energy heatmaps; allocate →
 * the plan (bits heatmap, histogram); quantize → the artifact summary and its plan. {@code all} = decompose, then
 * quantize (whose plan is the allocation). rtn, gptq, routernorm and mobie (the backend's other methods; a backend
 * without mobie refuses it with a 422 naming {@code method}) run as one quantization job. The notebook's stop button cancels the running job.
 */
public final class QuantizeMagic extends Magic<QuantizeResult> {

    public QuantizeMagic() {
        super(BitsMoeBody.options(MagicSchema.builder("moe-quantize", "Quantize a model's routed experts on the backend, stage by "
                                + "stage, with live progress. The artifact is registered as a new model ('last' in other magics).")
                        .choice("method", "bitsmoe", "quantization method", "bitsmoe", "gptq", "rtn", "routernorm", "mobie")
                        .number("bits", "B", 3.0, 0, 16, "average bits per routed-expert weight")
                        .choice("stage", "quantize", "what to run", "decompose", "allocate", "quantize", "all"))
                .text("name", "ID", null, "the artifact's model id (default: <model>-bitsmoe-<bits>b-<random>)")
                .integer("directions", "K", 256, 1, 1 << 16, "leading directions the spectrum charts show (decompose)")
                .example("%moe-quantize --bits 3 --stage all")
                .example("var q = %moe-quantize --bits 2.5 --sequences 16 --length 128")
                .build(), QuantizeResult.class);
    }

    @Override
    protected QuantizeResult run(MagicSchema.Args a, String body, MagicContext ctx) throws InterruptedException {
        String model = Session.resolve(ctx, a.text("model"));
        String method = a.text("method");
        double bits = a.number("bits");
        String stage = a.text("stage");
        if (!method.equals("bitsmoe") && (stage.equals("decompose") || stage.equals("allocate"))) {
            throw new MagicException("--stage " + stage + " belongs to BitsMoE; use --method bitsmoe (or --stage quantize)");
        }
        Decomposition decomposition = null;
        Plan plan = null;
        QuantizeResult.Artifact artifact = null;
        String base = "/v1/models/" + model;
        // the other methods (rtn, gptq, routernorm, mobie) have no decomposition: their "all" is the quantization alone
        if (stage.equals("decompose") || (stage.equals("all") && method.equals("bitsmoe"))) {
            Map<String, Object> req = new LinkedHashMap<>();
            if (a.has("layers")) req.put("layers", BitsMoeBody.layers(a.list("layers")));
            if (a.integer("rank") != null) req.put("rank", a.integer("rank"));
            req.put("maxDirections", a.integer("directions"));
            JsonNode result = follow(ctx, "decompose " + model, ctx.backend().post(base + "/decomposition", req));
            decomposition = Json.read(result, Decomposition.class);
            ctx.show(decomposition);
        }
        if (stage.equals("allocate")) {
            ctx.out().println("allocating " + model + " at " + bits + " bits (calibration, cost model, solver; synchronous) ...");
            ctx.out().flush();
            plan = Json.read(ctx.backend().post(base + "/allocation", BitsMoeBody.request(a, bits)), Plan.class);
            ctx.show(plan);
        }
        if (stage.equals("quantize") || stage.equals("all")) {
            Map<String, Object> req = BitsMoeBody.request(a, bits);
            req.put("method", method);
            if (a.text("name") != null) req.put("name", a.text("name"));
            JsonNode result = follow(ctx, "quantize " + model + " (" + method + ", " + bits + " bits)", ctx.backend().post(base + "/quantization", req));
            artifact = Json.read(result, QuantizeResult.Artifact.class);
            if (result.has("plan")) plan = Json.read(result.get("plan"), Plan.class);
            Session.lastArtifact(artifact.model());
            ctx.display(QuantizeResult.artifactTable(artifact));
            if (plan != null) ctx.show(plan);
        }
        return new QuantizeResult(model, method, bits, stage, decomposition, plan, artifact);
    }

    static JsonNode follow(MagicContext ctx, String title, JsonNode job) throws InterruptedException {
        JobProgress bar = new JobProgress(ctx, title + " [job " + job.path("id").asText("?") + "]");
        try {
            return ctx.backend().jobs().follow(job, bar::update);
        } catch (MagicException e) {
            bar.finish(e.getMessage());
            throw e;
        }
    }
}
