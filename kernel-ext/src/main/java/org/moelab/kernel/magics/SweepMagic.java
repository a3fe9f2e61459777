package org.moelab.kernel.magics;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import org.moelab.kernel.Magic;
import org.moelab.kernel.MagicContext;
import org.moelab.kernel.MagicException;
import org.moelab.kernel.MagicSchema;
import org.moelab.kernel.client.BackendException;
import org.moelab.kernel.render.Html;
import org.moelab.kernel.render.JobProgress;
import org.moelab.kernel.render.Rich;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * %moe-sweep: the notebook version of {@code ./moelab compare}. Quantizes one model with each method at each budget
 * (backend quantization jobs), measures the perplexity of the FP model and of every artifact on the same text
 * (perplexity jobs), and shows a table and core's quality-vs-bits chart. A cell the backend refuses with a 422 —
 * a method it does not offer (e.g. mobie on an older backend), a budget a method cannot reach (rtn/gptq at 2.5 bits,
 * a router-norm average between its tiers) — is kept as a skipped row with the backend's reason; every other error
 * stops the sweep. Artifacts are unloaded after their perplexity (files stay on disk) unless {@code --keep}.
 */
public final class SweepMagic extends Magic<Sweep> {

    static final Set<String> CALIBRATION_FIELDS = Set.of("calibrationSequences", "calibrationLength", "seed");

    public SweepMagic() {
        super(MagicSchema.builder("moe-sweep", "Quantize a model with each method at each budget, then measure the perplexity of "
                        + "FP and of every artifact on the same text: a table and a quality-vs-bits chart (like ./moelab compare). "
                        + "Cells the backend refuses (a method it does not offer, bits a method cannot reach) are listed as skipped, "
                        + "with the backend's reason.")
                .text("model", "M", null, "model id on the backend ('fp' = the default model)")
                .list("methods", "M1,M2", "rtn,gptq,routernorm,bitsmoe,mobie@1", "methods, in this order; a method may carry its own "
                        + "budgets after @, separated by / (mobie@1: a binary method has one budget; gptq@2/3)")
                .list("bits", "B1,B2", "2,2.5,3", "requested average bits per routed-expert weight (for methods without @)")
                .integer("sequences", "N", null, 1, 4096, "calibration sequences (backend default 128; rtn reads none)")
                .integer("length", "T", null, 2, 1 << 20, "tokens per calibration sequence (backend default 512)")
                .integer("seed", "S", null, 0, Integer.MAX_VALUE, "calibration sampling seed (backend default 1234)")
                .integer("max-tokens", "N", 32768, 0, Integer.MAX_VALUE, "perplexity on the first N tokens (0 = all)")
                .integer("window", "W", null, 2, 1 << 20, "perplexity window (backend default 256)")
                .text("file", "PATH", null, "perplexity text file, relative to the repository root (default: the model's val.txt)")
                .flag("keep", "keep every artifact registered on the backend (default: unload each after its perplexity)")
                .example("var sweep = %moe-sweep --methods rtn,gptq,bitsmoe --bits 2,3")
                .example("%moe-sweep --bits 2,2.5,3 --sequences 16 --length 128 --max-tokens 4096")
                .build(), Sweep.class);
    }

    @Override
    protected Sweep run(MagicSchema.Args a, String body, MagicContext ctx) throws InterruptedException {
        String model = Session.resolve(ctx, a.text("model"));
        if (a.list("methods").isEmpty()) throw new MagicException("--methods: name at least one method");
        List<Double> budgets = budgets(a.list("bits"), "--bits");
        Map<String, List<Double>> plan = new LinkedHashMap<>();
        for (String m : a.list("methods")) {
            int at = m.indexOf('@');
            String name = (at < 0 ? m : m.substring(0, at)).strip();
            if (name.isEmpty()) throw new MagicException("--methods: a method name is missing in '" + m + "'");
            plan.put(name, at < 0 ? budgets : budgets(List.of(m.substring(at + 1).split("/")), "--methods " + m));
        }

        Map<String, Object> calibration = new LinkedHashMap<>();
        if (a.integer("sequences") != null) calibration.put("calibrationSequences", a.integer("sequences"));
        if (a.integer("length") != null) calibration.put("calibrationLength", a.integer("length"));
        if (a.integer("seed") != null) calibration.put("seed", a.integer("seed").longValue());
        Map<String, Object> pplReq = new LinkedHashMap<>();
        pplReq.put("maxTokens", a.integer("max-tokens"));
        if (a.integer("window") != null) pplReq.put("window", a.integer("window"));
        if (a.text("file") != null) pplReq.put("file", a.text("file"));
        String settings = settings(a);

        Status status = new Status(ctx, model, settings);
        status.set("fp", "perplexity …");
        plan.forEach((m, bs) -> bs.forEach(b -> status.set(key(m, b), "waiting")));

        JsonNode fpPpl = follow(ctx, status, "fp", ctx.backend().post("/v1/models/" + model + "/ppl", pplReq));
        Sweep.Run fp = new Sweep.Run("fp", 16, model, null, null, null, fpPpl.path("ppl").asDouble(), null, null, null);
        status.set("fp", String.format(Locale.ROOT, "perplexity %.3f", fp.ppl()));

        List<Sweep.Run> runs = new ArrayList<>();
        for (var entry : plan.entrySet()) {
            String method = entry.getKey();
            String refused = null;
            for (double bits : entry.getValue()) {
                String k = key(method, bits);
                if (refused != null) {
                    runs.add(skip(method, bits, refused));
                    status.set(k, "skipped: " + refused);
                    continue;
                }
                Map<String, Object> req = new LinkedHashMap<>();
                req.put("bits", bits);
                req.put("method", method);
                String note = null;
                if (!method.equals("rtn")) req.putAll(calibration); // rtn reads no calibration data (the backend refuses the fields)
                JsonNode job;
                try {
                    status.set(k, "quantizing …");
                    job = quantize(ctx, model, req);
                    if (job == null) { // the method reads no calibration data: asked again without it
                        CALIBRATION_FIELDS.forEach(req::remove);
                        note = "reads no calibration data";
                        job = quantize(ctx, model, req);
                    }
                } catch (BackendException e) {
                    if (e.status() != 422) throw e;
                    String why = backendReason(e);
                    if ("method".equals(e.field())) {
                        refused = Sweep.NOT_OFFERED + " (" + why + ")";
                        runs.add(skip(method, bits, refused));
                        status.set(k, "skipped: " + refused);
                        continue;
                    }
                    if ("bits".equals(e.field())) {
                        runs.add(skip(method, bits, why));
                        status.set(k, "skipped: " + why);
                        continue;
                    }
                    throw e;
                }
                QuantizeResult.Artifact art = Json.read(follow(ctx, status, k, job), QuantizeResult.Artifact.class);
                status.set(k, "perplexity …");
                JsonNode ppl = follow(ctx, status, k, ctx.backend().post("/v1/models/" + art.model() + "/ppl", pplReq));
                if (!a.flag("keep")) ctx.backend().delete("/v1/models/" + art.model());
                Sweep.Run r = new Sweep.Run(method, bits, art.model(), art.achievedPayloadBits(), art.achievedBitsWithScales(),
                        art.bitsWithBasis(), ppl.path("ppl").asDouble(), art.seconds(), note, null);
                runs.add(r);
                status.set(k, String.format(Locale.ROOT, "%.3f payload bits, perplexity %.3f, %.1f s%s", r.payloadBits(), r.ppl(),
                        r.quantSeconds(), a.flag("keep") ? " (kept: " + art.model() + ")" : ""));
            }
        }
        Sweep sweep = new Sweep(model, settings, fp, List.copyOf(runs));
        ctx.show(sweep);
        for (Sweep.Run r : sweep.refusedMethods()) {
            ctx.out().println("note: method " + r.method() + " was skipped: " + r.skipped());
        }
        ctx.out().flush();
        return sweep;
    }

    private static List<Double> budgets(List<String> items, String option) {
        List<Double> out = new ArrayList<>();
        for (String b : items) {
            try {
                double v = Double.parseDouble(b.strip());
                if (!(v > 0 && v <= 16)) throw new NumberFormatException();
                if (!out.contains(v)) out.add(v);
            } catch (NumberFormatException e) {
                throw new MagicException(option + " expects numbers in (0, 16] like 2,2.5,3; got '" + b + "'");
            }
        }
        if (out.isEmpty()) throw new MagicException(option + ": give at least one budget");
        return out;
    }

    /** Starts the quantization job; null when the backend refused only the calibration fields (retry without them). */
    private static JsonNode quantize(MagicContext ctx, String model, Map<String, Object> req) throws InterruptedException {
        try {
            return ctx.backend().post("/v1/models/" + model + "/quantization", req);
        } catch (BackendException e) {
            if (e.status() == 422 && e.field() != null && CALIBRATION_FIELDS.contains(e.field())
                    && CALIBRATION_FIELDS.stream().anyMatch(req::containsKey)) {
                return null;
            }
            throw e;
        }
    }

    private static Sweep.Run skip(String method, double bits, String why) {
        return new Sweep.Run(method, bits, null, null, null, null, null, null, null, why);
    }

    /** The backend's message without the " (HTTP 422 code)" the client appends. */
    static String backendReason(BackendException e) {
        return e.getMessage().replaceFirst(" \\(HTTP \\d+[^)]*\\)$", "");
    }

    private static String key(String method, double bits) {
        return method + " @ " + Html.fmt(bits, 2).replaceFirst("\\.?0+$", "") + " bits";
    }

    private static String settings(MagicSchema.Args a) {
        String cal = a.integer("sequences") == null && a.integer("length") == null ? "calibration: backend default (128 × 512 tokens)"
                : String.format(Locale.ROOT, "calibration %s × %s tokens", a.integer("sequences") == null ? "128" : a.integer("sequences"),
                        a.integer("length") == null ? "512" : a.integer("length"));
        if (a.integer("seed") != null) cal += ", seed " + a.integer("seed");
        int n = a.integer("max-tokens");
        String text = a.text("file") == null ? "the model's val.txt" : a.text("file");
        return cal + "; perplexity on " + (n == 0 ? "all tokens" : "the first " + n + " tokens") + " of " + text + ", window "
                + (a.integer("window") == null ? "256" : a.integer("window"));
    }

    private static JsonNode follow(MagicContext ctx, Status status, String key, JsonNode job) throws InterruptedException {
        String what = status.get(key);
        return ctx.backend().jobs().follow(job, v -> status.set(key, what + " " + JobProgress.label(v, v.path("state").asText("queued"))));
    }

    /** One table of every cell's state, shown once and updated in place. */
    private static final class Status {
        private final MagicContext ctx;
        private final String title;
        private final Map<String, String> rows = new LinkedHashMap<>();
        private String id;
        private long painted;

        Status(MagicContext ctx, String model, String settings) {
            this.ctx = ctx;
            this.title = "%moe-sweep of " + model + " (" + settings + ")";
        }

        String get(String key) {
            return rows.getOrDefault(key, "");
        }

        void set(String key, String state) {
            boolean changed = !state.equals(rows.put(key, state));
            long now = System.nanoTime();
            // progress lines repaint at most ~5 times a second; a new state always does
            if (id != null && (!changed || now - painted < 200_000_000L) && state.contains("%")) return;
            painted = now;
            List<List<Object>> t = new ArrayList<>();
            rows.forEach((k, v) -> t.add(List.of(k, v)));
            DisplayData d = Rich.of(Html.textTable(title, List.of("run", "state"), t), Html.table(title, List.of("run", "state"), t));
            if (id == null) id = ctx.displayUpdatable(d);
            else ctx.update(id, d);
        }
    }
}
