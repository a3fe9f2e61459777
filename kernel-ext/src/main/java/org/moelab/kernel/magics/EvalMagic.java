package org.moelab.kernel.magics;

import org.moelab.kernel.Magic;
import org.moelab.kernel.MagicContext;
import org.moelab.kernel.MagicSchema;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** %moe-eval: perplexity of each model on the same text, one backend job per model with a progress bar. */
public final class EvalMagic extends Magic<PerplexityResult> {

    public EvalMagic() {
        super(MagicSchema.builder("moe-eval", "Perplexity of each model on the same text (non-overlapping windows, methods.md §7). "
                        + "Default text: the model's val.txt (an artifact uses its source model's).")
                .list("models", "M1,M2", "fp", "models: ids, 'fp', 'last'")
                .integer("max-tokens", "N", 4096, 0, Integer.MAX_VALUE, "score the first N tokens (0 = all)")
                .integer("window", "W", null, 2, 1 << 20, "tokens per window (backend default 256)")
                .text("file", "PATH", null, "a text file, relative to the repository root")
                .example("%moe-eval --models fp,last")
                .build(), PerplexityResult.class);
    }

    @Override
    protected PerplexityResult run(MagicSchema.Args a, String body, MagicContext ctx) throws InterruptedException {
        List<String> models = Session.resolveAll(ctx, a.list("models"));
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("maxTokens", a.integer("max-tokens"));
        if (a.integer("window") != null) req.put("window", a.integer("window"));
        if (a.text("file") != null) req.put("file", a.text("file"));
        List<PerplexityResult.Row> rows = new ArrayList<>();
        for (String m : models) {
            var job = ctx.backend().post("/v1/models/" + m + "/ppl", req);
            rows.add(Json.read(QuantizeMagic.follow(ctx, "perplexity of " + m, job), PerplexityResult.Row.class));
        }
        PerplexityResult r = new PerplexityResult(List.copyOf(rows));
        ctx.show(r);
        return r;
    }
}
