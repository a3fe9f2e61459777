package org.moelab.kernel.magics;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.http.HttpMethod;
import org.moelab.kernel.Magic;
import org.moelab.kernel.MagicContext;
import org.moelab.kernel.MagicException;
import org.moelab.kernel.MagicSchema;
import org.moelab.kernel.client.EventStream;
import org.moelab.kernel.client.SseEvent;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * %moe-generate: continues a prompt with one or more models (e.g. the FP model and its quantized artifact), streaming
 * tokens into a side-by-side view that updates in place, then their speeds. The prompt is the rest of the line, or
 * the cell body with %%moe-generate.
 */
public final class GenerateMagic extends Magic<Generations> {

    private static final long REPAINT_NANOS = 100_000_000L;

    public GenerateMagic() {
        super(MagicSchema.builder("moe-generate", "Generate text from a prompt with each model, side by side, with tokens/s. "
                        + "Greedy by default, so models differ only by their weights.")
                .list("models", "M1,M2", "fp", "models to compare: ids, 'fp' (the default model), 'last' (the last %moe-quantize artifact)")
                .integer("max-tokens", "N", 48, 0, 4096, "most new tokens per model")
                .number("temperature", "T", 0.0, 0, 100, "0 = greedy")
                .number("top-p", "P", null, 0, 1, "nucleus sampling mass (with --temperature > 0)")
                .integer("seed", "S", null, 0, Integer.MAX_VALUE, "sampling seed")
                .integer("warmup", "N", 0, 0, 4096, "first generate N tokens per model, untimed (the JIT's first run is slow)")
                .flag("score", "score every other model's continuation with the first model (POST /v1/compare) and shade its tokens "
                        + "by the log-probability difference; mark where its tokens first differ from the first model's")
                .positional("PROMPT", "the text to continue (or the cell body after %%moe-generate)")
                .body("the prompt")
                .example("%moe-generate --models fp,last The capital of France is")
                .example("%%moe-generate --max-tokens 64\\nOnce upon a time")
                .example("%moe-generate --models fp,last --score --max-tokens 40 The old man said that")
                .build(), Generations.class);
    }

    @Override
    protected Generations run(MagicSchema.Args a, String body, MagicContext ctx) throws InterruptedException {
        String prompt = body != null ? body.strip() : a.rest();
        if (prompt.isEmpty()) throw new MagicException("give a prompt: %moe-generate <prompt>, or %%moe-generate with the prompt as the cell body");
        List<String> models = Session.resolveAll(ctx, a.list("models"));
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("prompt", prompt);
        req.put("maxTokens", a.integer("max-tokens"));
        req.put("temperature", a.number("temperature"));
        if (a.number("top-p") != null) req.put("topP", a.number("top-p"));
        if (a.integer("seed") != null) req.put("seed", a.integer("seed").longValue());

        if (a.integer("warmup") > 0) {
            Map<String, Object> warm = new LinkedHashMap<>(req);
            warm.put("maxTokens", a.integer("warmup"));
            for (String m : models) ctx.backend().post("/v1/models/" + m + "/generate", warm);
        }
        List<Generations.Generation> done = new ArrayList<>();
        for (String m : models) done.add(new Generations.Generation(m, "", 0, 0, null, 0, 0));
        String display = ctx.displayUpdatable(new Generations(prompt, done).toDisplayData());
        for (int i = 0; i < models.size(); i++) {
            done.set(i, stream(ctx, models.get(i), req, prompt, done, i, display));
        }
        if (a.flag("score") && models.size() > 1) {
            Generations.Generation ref = done.get(0);
            for (int i = 1; i < done.size(); i++) done.set(i, score(ctx, prompt, ref, done.get(i)));
        }
        Generations result = new Generations(prompt, List.copyOf(done));
        ctx.update(display, result.toDisplayData());
        return result;
    }

    private Generations.Generation stream(MagicContext ctx, String model, Map<String, Object> req, String prompt,
                                          List<Generations.Generation> all, int slot, String display) throws InterruptedException {
        StringBuilder text = new StringBuilder();
        int tokens = 0;
        long painted = System.nanoTime();
        EventStream s = ctx.backend().stream(HttpMethod.POST, "/v1/models/" + model + "/generate/stream", req);
        try (s) {
            while (true) {
                SseEvent e = s.next(120_000);
                if (e == null) {
                    throw new MagicException(s.ended() ? "the generation stream of " + model + " ended early"
                            : "no token from " + model + " for 2 minutes");
                }
                JsonNode d = parse(e.data());
                switch (e.event()) {
                    case "token" -> {
                        text.append(d.path("text").asText(""));
                        tokens++;
                        if (System.nanoTime() - painted > REPAINT_NANOS) {
                            all.set(slot, new Generations.Generation(model, text.toString(), tokens, 0, null, 0, 0));
                            ctx.update(display, new Generations(prompt, all).toDisplayData());
                            painted = System.nanoTime();
                        }
                    }
                    case "done" -> {
                        List<Integer> ids = new ArrayList<>();
                        d.path("tokens").forEach(t -> ids.add(t.asInt()));
                        return new Generations.Generation(model, d.path("text").asText(text.toString()), d.path("tokens").size(),
                                d.path("promptTokens").asInt(), d.path("stop").asText("?"), d.path("decodeTokensPerSecond").asDouble(),
                                d.path("prefillTokensPerSecond").asDouble(), List.copyOf(ids), null, null, null);
                    }
                    case "error" -> throw new MagicException(model + ": " + d.path("message").asText("generation failed"));
                    default -> { } // start
                }
            }
        } catch (InterruptedException e) {
            Thread.interrupted(); // see JobFollower: the thread still publishes output
            throw new MagicException("interrupted: the generation of " + model + " was stopped");
        }
    }

    /**
     * Scores {@code g}'s continuation with the reference model: POST /v1/compare on prompt + continuation, keeping the
     * rows of the continuation's tokens (counted back from the end of the text, so a prompt whose last token merges with
     * the first generated one is not miscounted as generated). Also the first generated token where {@code g}'s ids
     * differ from the reference's.
     */
    static Generations.Generation score(MagicContext ctx, String prompt, Generations.Generation ref, Generations.Generation g)
            throws InterruptedException {
        Integer diverges = null;
        if (ref.tokenIds() != null && g.tokenIds() != null) {
            int n = Math.min(ref.tokenIds().size(), g.tokenIds().size());
            int i = 0;
            while (i < n && ref.tokenIds().get(i).equals(g.tokenIds().get(i))) i++;
            if (i < n || ref.tokenIds().size() != g.tokenIds().size()) diverges = i;
        }
        List<Comparison.TokenRow> scored = List.of();
        if (!g.text().isEmpty()) {
            Map<String, Object> req = new LinkedHashMap<>();
            req.put("reference", ref.model());
            req.put("candidate", g.model());
            req.put("prompt", prompt + g.text());
            Comparison c = Json.read(ctx.backend().post("/v1/compare", req), Comparison.class);
            List<Comparison.TokenRow> rows = c.rows();
            int chars = 0, first = rows.size();
            while (first > 0 && chars + rows.get(first - 1).text().length() <= g.text().length()) {
                chars += rows.get(first - 1).text().length();
                first--;
            }
            scored = List.copyOf(rows.subList(first, rows.size()));
        }
        return new Generations.Generation(g.model(), g.text(), g.tokens(), g.promptTokens(), g.stop(), g.decodeTokensPerSecond(),
                g.prefillTokensPerSecond(), g.tokenIds(), ref.model(), scored, diverges);
    }

    private static JsonNode parse(String data) {
        try {
            return Json.MAPPER.readTree(data == null || data.isBlank() ? "{}" : data);
        } catch (Exception e) {
            return Json.MAPPER.createObjectNode();
        }
    }
}
