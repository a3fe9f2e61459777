package org.moelab.kernel.magics;

import org.moelab.kernel.Magic;
import org.moelab.kernel.MagicContext;
import org.moelab.kernel.MagicException;
import org.moelab.kernel.MagicSchema;

import java.util.LinkedHashMap;
import java.util.Map;

/** %moe-compare: where a quantized model loses probability, token by token, against its reference. */
public final class CompareMagic extends Magic<Comparison> {

    public CompareMagic() {
        super(MagicSchema.builder("moe-compare", "Score one text with a reference and a candidate model and show, token by token, "
                        + "how much log-probability the candidate gains or loses.")
                .text("reference", "M", "fp", "the reference model ('fp' = the default model)")
                .text("candidate", "M", "last", "the compared model ('last' = the last %moe-quantize artifact)")
                .positional("TEXT", "the text both models score (or the cell body after %%moe-compare)")
                .body("the text")
                .example("%moe-compare --candidate last The quick brown fox jumps over the lazy dog.")
                .build(), Comparison.class);
    }

    @Override
    protected Comparison run(MagicSchema.Args a, String body, MagicContext ctx) throws InterruptedException {
        String text = body != null ? body.strip() : a.rest();
        if (text.isEmpty()) throw new MagicException("give a text to score: %moe-compare <text>");
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("reference", Session.resolve(ctx, a.text("reference")));
        req.put("candidate", Session.resolve(ctx, a.text("candidate")));
        req.put("prompt", text);
        Comparison c = Json.read(ctx.backend().post("/v1/compare", req), Comparison.class);
        ctx.show(c);
        return c;
    }
}
