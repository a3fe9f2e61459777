package org.moelab.kernel.magics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.spencerpark.jupyter.kernel.display.mime.MIMEType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.moelab.kernel.FakeBackend;
import org.moelab.kernel.Fixtures;
import org.moelab.kernel.MagicArguments;
import org.moelab.kernel.MagicException;
import org.moelab.kernel.RecordingContext;
import org.moelab.kernel.client.BackendClient;

import java.io.OutputStream;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** %moe-sweep (methods × budgets → table + quality-vs-bits chart), %moe-generate --score, and the small fixes for notebooks 04/05. */
class SweepAndScoreTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODEL = "moelab-tiny-qwen3moe";
    private FakeBackend backend;
    private BackendClient client;
    private RecordingContext ctx;

    @BeforeEach
    void start() throws Exception {
        backend = new FakeBackend().json("GET /v1/models", 200, Fixtures.MODELS);
        client = new BackendClient(backend.url(), null);
        ctx = new RecordingContext(client);
        Session.lastArtifact(null);
    }

    @AfterEach
    void stop() {
        client.close();
        backend.close();
    }

    /** A job that is done at once, with {@code result}. */
    private void job(String id, String result) {
        backend.on("GET /v1/jobs/" + id + "/events", (ex, body) -> FakeBackend.event(FakeBackend.sse(ex), "done",
                        Fixtures.job(id, "x", "succeeded", "done", 1, 1, 1)))
                .json("GET /v1/jobs/" + id + "/result", 200, result);
    }

    private void ppl(String model, double ppl) {
        backend.json("POST /v1/models/" + model + "/ppl", 202, Fixtures.job("p-" + model, "ppl", "queued", "queued", 0, 0, 0));
        job("p-" + model, Fixtures.PPL.formatted(model, ppl));
    }

    private static String artifactId(String method, double bits) {
        return String.format(Locale.ROOT, "tiny-%s-%.1fb", method, bits);
    }

    private static String error(String code, String field, String message) {
        return "{\"type\":\"invalid_request\",\"code\":\"" + code + "\",\"field\":\"" + field + "\",\"message\":\"" + message + "\"}";
    }

    /**
     * The backend of today: rtn and gptq take integer bits only, routernorm reaches 2 and 2.5 here, mobie is not a
     * method it knows. Each artifact gets a perplexity job and is unloaded afterwards.
     */
    private void backendWithoutMobie() {
        ppl(MODEL, 71.2);
        backend.on("POST /v1/models/" + MODEL + "/quantization", (ex, body) -> {
            JsonNode req = JSON.readTree(body);
            String method = req.get("method").asText();
            double bits = req.get("bits").asDouble();
            if (method.equals("mobie")) {
                FakeBackend.json(ex, 422, error("invalid_field", "method",
                        "field 'method' must be one of bitsmoe, rtn, gptq, routernorm, got 'mobie'"));
            } else if ((method.equals("rtn") || method.equals("gptq")) && bits != Math.rint(bits)) {
                FakeBackend.json(ex, 422, error("invalid_field", "bits", "field 'bits' must be an integer in [1, 8] for method " + method));
            } else {
                FakeBackend.json(ex, 202, Fixtures.job("q-" + artifactId(method, bits), "quantization", "queued", "queued", 0, 0, 0));
            }
        });
        for (String m : List.of("rtn", "gptq", "routernorm", "bitsmoe")) {
            for (double b : List.of(2.0, 2.5)) {
                String id = artifactId(m, b);
                job("q-" + id, Fixtures.quantizationResult(id, b).replace("\"seconds\":42.5", "\"seconds\":" + (m.equals("gptq") ? 30 : 2)));
                ppl(id, 70 + 20 / b + (m.equals("rtn") ? 10 : 0));
                backend.json("DELETE /v1/models/" + id, 204, "");
            }
        }
    }

    private Sweep sweep(String line) {
        return new SweepMagic().execute(MagicArguments.split(line), null, ctx);
    }

    @Test
    void sweepRunsEveryCellTheBackendAcceptsAndKeepsTheRefusalsAsSkippedRows() throws Exception {
        backendWithoutMobie();
        Sweep s = sweep("--methods rtn,gptq,mobie@1,bitsmoe --bits 2,2.5 --sequences 16 --length 128 --max-tokens 4096");
        assertEquals(7, s.runs().size(), "mobie@1: its own single budget");
        assertEquals(List.of("rtn", "rtn", "gptq", "gptq", "mobie", "bitsmoe", "bitsmoe"), s.runs().stream().map(Sweep.Run::method).toList());
        assertEquals(71.2, s.fp().ppl());
        assertEquals(90, s.ppl("rtn", 2), 1e-9);
        assertEquals(78, s.ppl("bitsmoe", 2.5), 1e-9);
        assertTrue(Double.isNaN(s.ppl("gptq", 2.5)), "gptq cannot do 2.5 bits");
        assertTrue(s.run("gptq", 2.5).skipped().contains("must be an integer"), s.run("gptq", 2.5).skipped());
        assertFalse(s.offered("mobie"));
        assertTrue(s.offered("gptq"));
        assertTrue(s.run("mobie", 1).skipped().startsWith("not offered by this backend (field 'method' must be one of"),
                s.run("mobie", 1).skipped());

        List<JsonNode> reqs = backend.requests.stream().filter(r -> r.path().endsWith("/quantization")).map(r -> {
            try {
                return JSON.readTree(r.body());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }).toList();
        JsonNode rtn = reqs.stream().filter(r -> r.get("method").asText().equals("rtn")).findFirst().orElseThrow();
        assertFalse(rtn.has("calibrationSequences") || rtn.has("calibrationLength"), "rtn reads no calibration data: " + rtn);
        JsonNode gptq = reqs.stream().filter(r -> r.get("method").asText().equals("gptq")).findFirst().orElseThrow();
        assertEquals(16, gptq.get("calibrationSequences").asInt());
        assertEquals(128, gptq.get("calibrationLength").asInt());
        assertEquals(4096, JSON.readTree(bodyOf("/v1/models/" + MODEL + "/ppl")).get("maxTokens").asInt());
        for (String id : List.of(artifactId("rtn", 2), artifactId("gptq", 2), artifactId("bitsmoe", 2), artifactId("bitsmoe", 2.5))) {
            assertEquals(1, backend.count("DELETE", "/v1/models/" + id), "unloaded after its perplexity: " + id);
        }

        assertEquals(1, ctx.count(MIMEType.IMAGE_SVG), "the quality-vs-bits chart");
        String svg = (String) ctx.displayed.stream().filter(d -> d.hasDataForType(MIMEType.IMAGE_SVG)).findFirst().orElseThrow()
                .getData(MIMEType.IMAGE_SVG);
        assertTrue(svg.contains("Perplexity vs bits") && svg.contains("bitsmoe") && svg.contains("gptq"), "core's chart, one line per method");
        String text = ctx.allText();
        assertTrue(text.contains("calibration 16 × 128 tokens; perplexity on the first 4096 tokens of the model's val.txt, window 256"), text);
        assertTrue(text.contains("skipped: not offered by this backend"), text);
        assertTrue(text.contains("+26.40%"), "rtn at 2 bits vs FP: " + text);
        assertTrue(ctx.stdout().contains("note: method mobie was skipped: not offered by this backend"), ctx.stdout());
        assertTrue(ctx.updates.values().iterator().next().size() > 3, "one status table, updated in place");
        assertTrue(backend.failures.isEmpty(), backend.failures.toString());
    }

    private String bodyOf(String path) {
        return backend.requests.stream().filter(r -> r.path().equals(path)).findFirst().orElseThrow().body();
    }

    @Test
    void theChartIsLogarithmicOnlyWhenThePerplexitiesSpanMoreThanFourTimes() {
        Sweep.Run fp = new Sweep.Run("fp", 16, MODEL, null, null, null, 70.0, null, null, null);
        Sweep narrow = new Sweep(MODEL, "s", fp, List.of(new Sweep.Run("gptq", 2, "a", 2.0, 2.25, 2.25, 74.0, 1.0, null, null),
                new Sweep.Run("gptq", 3, "b", 3.0, 3.25, 3.25, 71.0, 1.0, null, null)));
        var plot = narrow.chart().chart().getXYPlot();
        assertEquals(org.jfree.chart.axis.NumberAxis.class, plot.getRangeAxis().getClass(), "readable ticks over 70..74");
        assertEquals(2, plot.getDataset().getSeriesCount(), "gptq and the fp line");
        assertEquals(74.0, plot.getDataset().getYValue(0, 0));
        Sweep wide = new Sweep(MODEL, "s", fp, List.of(new Sweep.Run("rtn", 1, "c", 1.0, 1.25, 1.25, 900.0, 1.0, null, null),
                new Sweep.Run("rtn", 3, "d", 3.0, 3.25, 3.25, 72.0, 1.0, null, null)));
        assertEquals(org.jfree.chart.axis.LogAxis.class, wide.chart().chart().getXYPlot().getRangeAxis().getClass(), "70..900: log");
    }

    @Test
    void sweepKeepsArtifactsWhenAskedAndAsksAgainWithoutCalibrationForAMethodThatReadsNone() {
        backendWithoutMobie();
        backend.on("POST /v1/models/" + MODEL + "/quantization", (ex, body) -> {
            JsonNode req = JSON.readTree(body);
            if (req.has("calibrationSequences")) {
                FakeBackend.json(ex, 422, error("invalid_field", "calibrationSequences", "method mobie reads no calibration data"));
            } else {
                FakeBackend.json(ex, 202, Fixtures.job("q-" + artifactId("bitsmoe", 2), "quantization", "queued", "queued", 0, 0, 0));
            }
        });
        Sweep s = sweep("--methods mobie,rtn --bits 2 --sequences 8 --keep");
        assertEquals(1, backend.requests.stream().filter(r -> r.path().endsWith("/quantization") && r.body().contains("rtn")).count());
        assertEquals("reads no calibration data", s.run("mobie", 2).note());
        assertEquals(artifactId("bitsmoe", 2), s.run("mobie", 2).artifact());
        assertEquals(0, backend.count("DELETE", "/v1/models/" + artifactId("bitsmoe", 2)), "--keep");
        assertTrue(ctx.allText().contains("calibration 8 × 512 tokens"), ctx.allText());
    }

    @Test
    void aMethodTheBackendDoesNotOfferIsAskedOnceAndNoChartIsDrawnWhenNothingRan() {
        backendWithoutMobie();
        Sweep s = sweep("--methods mobie --bits 2,3");
        assertEquals(1, backend.count("POST", "/v1/models/" + MODEL + "/quantization"), "asked once, not once per budget");
        assertEquals(2, s.runs().size());
        assertTrue(s.runs().stream().noneMatch(Sweep.Run::ran));
        assertEquals(0, ctx.count(MIMEType.IMAGE_SVG), "no chart without a quantized point");
        assertThrows(MagicException.class, s::chart);
        assertTrue(ctx.allText().contains("skipped: not offered by this backend"), ctx.allText());
    }

    @Test
    void sweepStopsOnOtherErrorsAndChecksItsArguments() {
        ppl(MODEL, 71.2);
        backend.json("POST /v1/models/" + MODEL + "/quantization", 409,
                "{\"type\":\"conflict\",\"code\":\"model_busy\",\"message\":\"model moelab-tiny-qwen3moe is busy with job j-9\"}");
        MagicException e = assertThrows(MagicException.class, () -> sweep("--methods gptq --bits 2"));
        assertEquals("%moe-sweep: model moelab-tiny-qwen3moe is busy with job j-9 (HTTP 409 model_busy)", e.getMessage());
        e = assertThrows(MagicException.class, () -> sweep("--bits 2,x"));
        assertEquals("%moe-sweep: --bits expects numbers in (0, 16] like 2,2.5,3; got 'x'", e.getMessage());
        e = assertThrows(MagicException.class, () -> sweep("--methods gptq@2/x"));
        assertEquals("%moe-sweep: --methods gptq@2/x expects numbers in (0, 16] like 2,2.5,3; got 'x'", e.getMessage());
        e = assertThrows(MagicException.class, () -> sweep("--bits 0"));
        assertEquals("%moe-sweep: --bits expects numbers in (0, 16] like 2,2.5,3; got '0'", e.getMessage());
    }

    @Test
    void generateScoreShadesTheContinuationByTheLogProbDifferenceAndMarksWhereItDiverges() {
        String gen = "{\"model\":\"%s\",\"text\":\"%s\",\"tokens\":%s,\"promptTokens\":3,\"stop\":\"length\","
                + "\"prefillTokensPerSecond\":5000.0,\"decodeTokensPerSecond\":%s}";
        backend.on("POST /v1/models/" + MODEL + "/generate/stream", (ex, body) -> {
            OutputStream o = FakeBackend.sse(ex);
            FakeBackend.event(o, "done", gen.formatted(MODEL, " the sea, the sea", "[5,6,7,5,6]", "2400.0"));
        });
        backend.on("POST /v1/models/tiny-3b/generate/stream", (ex, body) -> {
            OutputStream o = FakeBackend.sse(ex);
            FakeBackend.event(o, "done", gen.formatted("tiny-3b", " the sea and the", "[5,6,9,5]", "2100.0"));
        });
        backend.on("POST /v1/compare", (ex, body) -> {
            JsonNode req = JSON.readTree(body);
            assertEquals(MODEL, req.get("reference").asText());
            assertEquals("tiny-3b", req.get("candidate").asText());
            assertEquals("I saw the sea and the", req.get("prompt").asText(), "prompt + the candidate's continuation");
            FakeBackend.json(ex, 200, """
                    {"reference":"%s","candidate":"tiny-3b","tokens":[1,2,5,6,9,5],"rows":[
                     {"index":1,"token":2,"text":" saw","reference":-3.0,"candidate":-3.1,"delta":-0.1},
                     {"index":2,"token":5,"text":" the","reference":-1.0,"candidate":-1.2,"delta":-0.2},
                     {"index":3,"token":6,"text":" sea","reference":-2.0,"candidate":-1.9,"delta":0.1},
                     {"index":4,"token":9,"text":" and","reference":-4.0,"candidate":-1.0,"delta":3.0},
                     {"index":5,"token":5,"text":" the","reference":-0.5,"candidate":-1.5,"delta":-1.0}],
                     "summary":{"scoredTokens":5,"referenceMeanNll":2.1,"candidateMeanNll":1.7,"referencePpl":8.2,"candidatePpl":5.5,
                     "meanAbsDelta":0.88,"worstTokenIndex":5,"worstDelta":-1.0}}""".formatted(MODEL).replace("\n", ""));
        });
        Session.lastArtifact("tiny-3b");
        Generations g = new GenerateMagic().execute(MagicArguments.split("--models fp,last --score --max-tokens 5 I saw"), null, ctx);
        Generations.Generation q = g.of("tiny-3b");
        assertEquals(List.of(5, 6, 9, 5), q.tokenIds());
        assertEquals(2, q.divergesAt(), "the third new token differs");
        assertEquals(List.of(" the", " sea", " and", " the"), q.scored().stream().map(Comparison.TokenRow::text).toList(),
                "only the continuation's tokens, not the prompt's");
        assertEquals((0.2 + 0.1 + 3.0 + 1.0) / 4, q.meanAbsDelta(), 1e-12);
        assertNull(g.of(MODEL).scored(), "the reference is not scored against itself");
        var updates = ctx.updates.values().iterator().next();
        String html = (String) updates.get(updates.size() - 1).getData(MIMEType.TEXT_HTML);
        assertTrue(html.contains("rgba(220,40,40,0.75);text-decoration:underline"), "' and': Δ +3, full red, the divergence: " + html);
        assertTrue(html.contains("rgba(40,90,220,0.38)"), "' the': Δ −1, half blue: " + html);
        assertTrue(html.contains("shading: Δ = log p(model) − log p(reference)"), "the legend");
        String text = (String) updates.get(updates.size() - 1).getData(MIMEType.TEXT_PLAIN);
        assertTrue(text.contains("tiny-3b · 4 tokens · 2100.0 tokens/s (prefill 5000 tokens/s) · stop: length · differs from "
                + MODEL + " from new token #3 · mean |Δ log p| 1.075"), text);
        assertEquals(1, backend.count("POST", "/v1/compare"), "one compare per candidate");
    }

    @Test
    void generateWithoutScoreNeverCallsCompare() {
        for (String m : List.of(MODEL, "tiny-3b")) {
            backend.on("POST /v1/models/" + m + "/generate/stream", (ex, body) ->
                    FakeBackend.event(FakeBackend.sse(ex), "done", Fixtures.GENERATED.formatted(m)));
        }
        Generations g = new GenerateMagic().execute(MagicArguments.split("--models fp,tiny-3b hello"), null, ctx);
        assertNull(g.of("tiny-3b").scored());
        assertEquals(0, backend.count("POST", "/v1/compare"));
    }

    @Test
    void quantizeSendsMobieAndUnloadArtifactsTakesEveryArtifactKind() {
        backend.json("POST /v1/models/" + MODEL + "/quantization", 422,
                error("invalid_field", "method", "field 'method' must be one of bitsmoe, rtn, gptq, routernorm, got 'mobie'"));
        MagicException e = assertThrows(MagicException.class,
                () -> new QuantizeMagic().execute(MagicArguments.split("--method mobie --bits 2"), null, ctx));
        assertEquals("%moe-quantize: field 'method' must be one of bitsmoe, rtn, gptq, routernorm, got 'mobie' (HTTP 422 invalid_field)",
                e.getMessage(), "the backend decides, and says so");

        backend.json("GET /v1/models", 200, Fixtures.MODELS.replace("{\"models\":[", "{\"models\":[{\"id\":\"tiny-gptq-2b\",\"kind\":"
                + "\"dequantized_artifact\",\"state\":\"ready\",\"isDefault\":false},"));
        backend.json("DELETE /v1/models/tiny-3b", 204, "").json("DELETE /v1/models/tiny-gptq-2b", 204, "");
        UnloadMagic.Unloaded u = new UnloadMagic().execute(MagicArguments.split("--artifacts"), null, ctx);
        assertEquals(List.of("tiny-gptq-2b", "tiny-3b"), u.models());
    }
}
