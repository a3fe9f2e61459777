package org.moelab.kernel.magics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import io.github.spencerpark.jupyter.kernel.display.mime.MIMEType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.moelab.kernel.FakeBackend;
import org.moelab.kernel.Fixtures;
import org.moelab.kernel.Magic;
import org.moelab.kernel.MagicException;
import org.moelab.kernel.RecordingContext;
import org.moelab.kernel.client.BackendClient;

import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every magic against a fake backend speaking the backend's JSON and event streams. */
class MagicsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
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

    private static List<String> words(String line) {
        return org.moelab.kernel.MagicArguments.split(line);
    }

    private <R> R run(Magic<R> m, String line) {
        return m.execute(words(line), null, ctx);
    }

    private long svgs() {
        return ctx.count(MIMEType.IMAGE_SVG);
    }

    @Test
    void modelsShowsATableAndReturnsTheList() {
        ModelList list = run(new ModelsMagic(), "");
        assertEquals(List.of("moelab-tiny-qwen3moe", "tiny-3b"), list.ids());
        assertEquals("moelab-tiny-qwen3moe", list.defaultId());
        DisplayData d = ctx.displayed.get(0);
        String html = (String) d.getData(MIMEType.TEXT_HTML);
        assertTrue(html.contains("moelab-tiny-qwen3moe (default)") && html.contains("bitsmoe 3.190 bits"), html);
        assertTrue(((String) d.getData(MIMEType.TEXT_PLAIN)).contains("2 model(s)"));
    }

    @Test
    void allocateDrawsHeatmapBarsCoverageAndTheCostCurve() throws Exception {
        backend.on("POST /v1/models/moelab-tiny-qwen3moe/allocation", (ex, body) -> {
            double bits = JSON.readTree(body).get("bits").asDouble();
            if (bits < 1) {
                FakeBackend.json(ex, 422, "{\"type\":\"invalid_request\",\"code\":\"budget_infeasible\",\"message\":\"too few bits\",\"field\":\"bits\"}");
            } else {
                FakeBackend.json(ex, 200, Fixtures.plan(bits));
            }
        });
        Plan plan = run(new AllocateMagic(), "--bits 2.5 --dry-run --curve 0.5,2,4 --sequences 16 --length 128 --layers 0,1");
        assertEquals(2.5, plan.bits());
        assertEquals(3, plan.curve().size(), "the infeasible budget is skipped");
        assertTrue(ctx.stdout().contains("skipped): 0.500"), ctx.stdout());
        assertEquals(4, svgs(), "bits heatmap, histogram bars, coverage heatmap, cost curve");
        JsonNode first = JSON.readTree(backend.requests.stream().filter(r -> r.path().endsWith("/allocation")).findFirst().orElseThrow().body());
        assertEquals(2.5, first.get("bits").asDouble());
        assertEquals(16, first.get("calibrationSequences").asInt());
        assertEquals(128, first.get("calibrationLength").asInt());
        assertEquals("[0,1]", first.get("layers").toString());
        assertFalse(first.has("mode"), "absent options are left to the backend");
        assertTrue(plan.toDisplayData().getData(MIMEType.TEXT_HTML).toString().contains("<svg"), "the result renders its charts inline");
        assertEquals(3.0, plan.averageBits(0, "gate") + 1, 1e-9);
    }

    /** decompose job → spectra charts; quantization job → artifact table + plan charts; the progress bar updates in place. */
    @Test
    void quantizeAllFollowsBothJobsWithProgressAndCharts() {
        backend.json("POST /v1/models/moelab-tiny-qwen3moe/decomposition", 202, Fixtures.job("j-1", "decomposition", "queued", "queued", 0, 0, 0))
                .on("GET /v1/jobs/j-1/events", (ex, body) -> {
                    OutputStream o = FakeBackend.sse(ex);
                    FakeBackend.event(o, "status", Fixtures.job("j-1", "decomposition", "running", "decompose", 0, 4, 0));
                    FakeBackend.event(o, "progress", Fixtures.job("j-1", "decomposition", "running", "decompose", 2, 4, 0.5));
                    FakeBackend.event(o, "heartbeat", "{\"time\":\"now\"}");
                    FakeBackend.event(o, "done", Fixtures.job("j-1", "decomposition", "succeeded", "done", 4, 4, 1));
                })
                .json("GET /v1/jobs/j-1/result", 200, Fixtures.decomposition())
                .json("POST /v1/models/moelab-tiny-qwen3moe/quantization", 202, Fixtures.job("j-2", "quantization", "queued", "queued", 0, 0, 0))
                .on("GET /v1/jobs/j-2/events", (ex, body) -> {
                    OutputStream o = FakeBackend.sse(ex);
                    FakeBackend.event(o, "status", Fixtures.job("j-2", "quantization", "running", "calibrate", 1, 4, 0.3));
                    FakeBackend.event(o, "done", Fixtures.job("j-2", "quantization", "succeeded", "done", 4, 4, 1));
                })
                .json("GET /v1/jobs/j-2/result", 200, Fixtures.quantizationResult("tiny-bitsmoe-3b", 3));
        QuantizeResult r = run(new QuantizeMagic(), "--stage all --bits 3 --name tiny-bitsmoe-3b");
        assertEquals("tiny-bitsmoe-3b", r.artifactId());
        assertEquals("tiny-bitsmoe-3b", Session.lastArtifact(), "'last' now names the artifact");
        assertNotNull(r.decomposition());
        assertEquals(12, r.decomposition().spectra().size());
        assertNotNull(r.plan());
        assertEquals(3 + 3 + 3, svgs(), "3 spectrum charts + 3 energy heatmaps, plan: heatmap, bars, coverage");
        assertEquals(2, ctx.updates.size(), "one progress bar per job");
        for (List<DisplayData> u : ctx.updates.values()) {
            String last = (String) u.get(u.size() - 1).getData(MIMEType.TEXT_PLAIN);
            assertTrue(last.contains("succeeded") && last.contains("100%"), last);
        }
        String html = (String) ctx.displayed.get(0).getData(MIMEType.TEXT_HTML);
        assertTrue(html.contains("width:0.0%") || html.contains("width:30.0%"), "a bar, drawn in HTML: " + html);
        assertEquals(3.0, r.plan().bits());
        assertEquals("bitsmoe", JsonNodeOf(backend, "/quantization").get("method").asText());
    }

    @Test
    void baselinesRunAsOneQuantizationJob() {
        backend.json("POST /v1/models/moelab-tiny-qwen3moe/quantization", 202, Fixtures.job("j-3", "quantization", "queued", "queued", 0, 0, 0))
                .on("GET /v1/jobs/j-3/events", (ex, body) -> FakeBackend.event(FakeBackend.sse(ex), "done",
                        Fixtures.job("j-3", "quantization", "succeeded", "done", 1, 1, 1)))
                .json("GET /v1/jobs/j-3/result", 200, "{\"model\":\"tiny-gptq-4b\",\"path\":\"/a\",\"sourceModel\":\"moelab-tiny-qwen3moe\","
                        + "\"method\":\"gptq\",\"format\":\"dequantized\",\"bits\":4.0,\"plannedPayloadBits\":4.0,\"achievedPayloadBits\":4.0,"
                        + "\"achievedBitsWithScales\":4.125,\"bitsWithBasis\":4.125,\"bytes\":100,\"seconds\":3.5,\"stages\":[],"
                        + "\"fallbacks\":[],\"layers\":[],\"note\":\"a simulation checkpoint\"}");
        QuantizeResult r = run(new QuantizeMagic(), "--method gptq --bits 4 --stage all");
        assertEquals("tiny-gptq-4b", r.artifactId());
        assertNull(r.decomposition());
        assertNull(r.plan());
        assertEquals(0, backend.count("POST", "/v1/models/moelab-tiny-qwen3moe/decomposition"), "no decomposition for a baseline");
        JsonNode req = JsonNodeOf(backend, "/quantization");
        assertEquals("gptq", req.get("method").asText());
        assertFalse(req.has("calibrationSequences"), "only what was given is sent");
        assertTrue(ctx.allText().contains("a simulation checkpoint"), ctx.allText());
    }

    private static JsonNode JsonNodeOf(FakeBackend b, String suffix) {
        try {
            return JSON.readTree(b.requests.stream().filter(r -> r.path().endsWith(suffix)).findFirst().orElseThrow().body());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** The notebook's stop button interrupts the cell's thread: the magic cancels the job (DELETE) and says so. */
    @Test
    void anInterruptCancelsTheBackendJob() throws Exception {
        CountDownLatch streaming = new CountDownLatch(1);
        CountDownLatch cancelled = new CountDownLatch(1);
        backend.json("POST /v1/models/moelab-tiny-qwen3moe/quantization", 202, Fixtures.job("j-9", "quantization", "queued", "queued", 0, 0, 0))
                .on("GET /v1/jobs/j-9/events", (ex, body) -> {
                    OutputStream o = FakeBackend.sse(ex);
                    FakeBackend.event(o, "status", Fixtures.job("j-9", "quantization", "running", "calibrate", 1, 100, 0.1));
                    streaming.countDown();
                    while (!cancelled.await(200, TimeUnit.MILLISECONDS)) FakeBackend.event(o, "heartbeat", "{}");
                    FakeBackend.event(o, "error", "{\"job\":" + Fixtures.job("j-9", "quantization", "cancelled", "calibrate", 1, 100, 0.1) + "}");
                })
                .on("DELETE /v1/jobs/j-9", (ex, body) -> {
                    cancelled.countDown();
                    FakeBackend.json(ex, 202, Fixtures.job("j-9", "quantization", "running", "calibrate", 1, 100, 0.1));
                });
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread cell = new Thread(() -> {
            try {
                run(new QuantizeMagic(), "--bits 2");
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        cell.start();
        assertTrue(streaming.await(20, TimeUnit.SECONDS), "the job's events were requested");
        cell.interrupt();
        cell.join(20_000);
        assertFalse(cell.isAlive());
        assertEquals(1, backend.count("DELETE", "/v1/jobs/j-9"), "the job was cancelled");
        MagicException e = assertInstanceOf(MagicException.class, thrown.get());
        assertEquals("%moe-quantize: interrupted: job j-9 cancelled on the backend", e.getMessage());
        assertFalse(cell.isInterrupted());
    }

    /** The kernel's interrupt handler (another thread) cancels through the client; the wait ends with the backend's answer. */
    @Test
    void cancelAllFromAnotherThreadEndsTheWaitWithTheBackendsMessage() throws Exception {
        CountDownLatch streaming = new CountDownLatch(1);
        CountDownLatch cancelled = new CountDownLatch(1);
        backend.json("POST /v1/models/moelab-tiny-qwen3moe/ppl", 202, Fixtures.job("j-5", "ppl", "queued", "queued", 0, 0, 0))
                .on("GET /v1/jobs/j-5/events", (ex, body) -> {
                    OutputStream o = FakeBackend.sse(ex);
                    FakeBackend.event(o, "status", Fixtures.job("j-5", "ppl", "running", "perplexity", 1, 16, 0.1));
                    streaming.countDown();
                    cancelled.await(20, TimeUnit.SECONDS);
                    FakeBackend.event(o, "error", "{\"job\":" + Fixtures.job("j-5", "ppl", "cancelled", "perplexity", 1, 16, 0.1)
                            + ",\"error\":{\"type\":\"cancelled\",\"code\":\"cancelled\",\"message\":\"cancelled by the client\"}}");
                })
                .on("DELETE /v1/jobs/j-5", (ex, body) -> {
                    cancelled.countDown();
                    FakeBackend.json(ex, 202, Fixtures.job("j-5", "ppl", "running", "perplexity", 1, 16, 0.1));
                });
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread cell = new Thread(() -> {
            try {
                run(new EvalMagic(), "");
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        cell.start();
        assertTrue(streaming.await(20, TimeUnit.SECONDS));
        assertEquals(java.util.Set.of("j-5"), client.jobs().active());
        client.cancelActiveJobs();
        cell.join(20_000);
        assertEquals("%moe-eval: job j-5 was cancelled: cancelled by the client", thrown.get().getMessage());
    }

    @Test
    void aStoppedBackendGetsOneLineSayingHowToStartIt() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (BackendClient down = new BackendClient("http://127.0.0.1:" + port, null)) {
            RecordingContext c = new RecordingContext(down);
            MagicException e = assertThrows(MagicException.class, () -> new ModelsMagic().execute(List.of(), null, c));
            assertEquals("%moe-models: the moelab backend is not reachable at http://127.0.0.1:" + port
                    + " (connection refused); start it with ./moelab serve (or set MOELAB_BACKEND_URL)", e.getMessage());
        }
    }

    @Test
    void backendErrorsAndBadArgumentsAreOneLine() {
        backend.json("POST /v1/models/moelab-tiny-qwen3moe/allocation", 422,
                "{\"type\":\"invalid_request\",\"code\":\"invalid_field\",\"message\":\"field 'rank' must be in [0, 256], got 999\",\"field\":\"rank\"}");
        MagicException e = assertThrows(MagicException.class, () -> run(new AllocateMagic(), "--bits 2 --rank 999"));
        assertEquals("%moe-allocate: field 'rank' must be in [0, 256], got 999 (HTTP 422 invalid_field)", e.getMessage());
        assertMessage("%moe-allocate: --bits expects a number, got 'abc'", new AllocateMagic(), "--bits abc");
        assertMessage("%moe-allocate: --bits is required (e.g. %moe-allocate --bits 2.5)", new AllocateMagic(), "");
        assertMessage("%moe-allocate: --bits must be in [0, 16], got 17", new AllocateMagic(), "--bits 17");
        assertMessage("%moe-quantize: --stage expects one of decompose, allocate, quantize, all; got 'pack'", new QuantizeMagic(), "--stage pack");
        assertMessage("%moe-quantize: unknown option --bit (options: --method, --bits, --stage, --model, --mode, --solver, --rank, "
                + "--sequences, --length, --seed, --layers, --pin, --name, --directions, --help)", new QuantizeMagic(), "--bit 3");
        assertMessage("%moe-quantize: --stage decompose belongs to BitsMoE; use --method bitsmoe (or --stage quantize)", new QuantizeMagic(),
                "--method gptq --stage decompose");
        assertMessage("%moe-models: unexpected argument 'x' (this magic takes only options; see --help)", new ModelsMagic(), "x");
        assertMessage("%moe-generate: give a prompt: %moe-generate <prompt>, or %%moe-generate with the prompt as the cell body",
                new GenerateMagic(), "--models fp");
        assertMessage("%moe-generate: no quantized model yet in this kernel ('last' names the artifact of the last %moe-quantize)",
                new GenerateMagic(), "--models fp,last hello");
        assertMessage("%moe-allocate: --layers expects layer numbers like 0,1; got 'x'", new AllocateMagic(), "--bits 2 --layers 0,x");
        MagicException cell = assertThrows(MagicException.class, () -> new ModelsMagic().execute(List.of(), "body", ctx));
        assertEquals("%moe-models: is a line magic: write %moe-models on one line (not %%moe-models)", cell.getMessage());
    }

    private void assertMessage(String expected, Magic<?> m, String line) {
        MagicException e = assertThrows(MagicException.class, () -> run(m, line), line);
        assertEquals(expected, e.getMessage());
    }

    @Test
    void helpShowsUsageDefaultsAndExamplesAndReturnsNull() {
        assertNull(run(new QuantizeMagic(), "--help --bits nonsense"));
        String help = (String) ctx.displayed.get(0).getData(MIMEType.TEXT_PLAIN);
        assertTrue(help.startsWith("%moe-quantize [--method bitsmoe|gptq|rtn|routernorm|mobie] [--bits B] [--stage decompose|allocate|quantize|all] [--model M]"), help);
        assertTrue(help.contains("--method X") && help.contains("(one of bitsmoe, gptq, rtn, routernorm, mobie); default bitsmoe"), help);
        assertTrue(help.contains("--bits B") && help.contains("[0, 16]; default 3"), help);
        assertTrue(help.contains("Examples:\n  %moe-quantize --bits 3 --stage all"), help);
        assertTrue(backend.requests.isEmpty(), "--help never calls the backend");
    }

    @Test
    void generateStreamsEachModelSideBySide() {
        for (String m : List.of("moelab-tiny-qwen3moe", "tiny-3b")) {
            backend.on("POST /v1/models/" + m + "/generate/stream", (ex, body) -> {
                assertEquals("The capital of France is", JSON.readTree(body).get("prompt").asText());
                assertEquals(0.0, JSON.readTree(body).get("temperature").asDouble());
                OutputStream o = FakeBackend.sse(ex);
                FakeBackend.event(o, "start", "{\"model\":\"" + m + "\",\"promptTokens\":5}");
                for (String t : List.of(" Paris", ",", " the", " city")) {
                    FakeBackend.event(o, "token", "{\"index\":0,\"token\":1,\"text\":\"" + t + "\"}");
                }
                FakeBackend.event(o, "done", Fixtures.GENERATED.formatted(m));
            });
        }
        Session.lastArtifact("tiny-3b");
        Generations g = run(new GenerateMagic(), "--models fp,last --max-tokens 4 The capital of France is");
        assertEquals(List.of("moelab-tiny-qwen3moe", "tiny-3b"), g.generations().stream().map(Generations.Generation::model).toList());
        assertEquals(" Paris, the city", g.text("tiny-3b"));
        assertEquals(3, g.of("tiny-3b").tokens());
        List<DisplayData> updates = ctx.updates.values().iterator().next();
        String last = (String) updates.get(updates.size() - 1).getData(MIMEType.TEXT_PLAIN);
        assertTrue(last.contains("tiny-3b · 3 tokens · 2400.5 tokens/s") && last.contains("The capital of France is Paris, the city"), last);
        String html = (String) updates.get(updates.size() - 1).getData(MIMEType.TEXT_HTML);
        assertTrue(html.contains("display:flex"), "side by side");
    }

    @Test
    void generateTakesTheCellBodyAsPrompt() {
        backend.on("POST /v1/models/moelab-tiny-qwen3moe/generate/stream", (ex, body) -> {
            assertEquals("Once upon\na time", JSON.readTree(body).get("prompt").asText());
            OutputStream o = FakeBackend.sse(ex);
            FakeBackend.event(o, "done", Fixtures.GENERATED.formatted("moelab-tiny-qwen3moe"));
        });
        backend.on("POST /v1/models/moelab-tiny-qwen3moe/generate", (ex, body) -> {
            assertEquals(4, JSON.readTree(body).get("maxTokens").asInt(), "the warm-up run is short");
            FakeBackend.json(ex, 200, Fixtures.GENERATED.formatted("moelab-tiny-qwen3moe"));
        });
        Generations g = new GenerateMagic().execute(List.of("--max-tokens", "8", "--warmup", "4"), "Once upon\na time\n", ctx);
        assertEquals(1, g.generations().size());
        assertEquals(1, backend.count("POST", "/v1/models/moelab-tiny-qwen3moe/generate"), "one untimed warm-up per model");
    }

    @Test
    void evalCompareAndUnload() {
        for (String m : List.of("moelab-tiny-qwen3moe", "tiny-3b")) {
            String id = "p-" + m;
            double ppl = m.equals("tiny-3b") ? 75.5 : 71.2;
            backend.json("POST /v1/models/" + m + "/ppl", 202, Fixtures.job(id, "ppl", "queued", "queued", 0, 0, 0))
                    .on("GET /v1/jobs/" + id + "/events", (ex, body) -> FakeBackend.event(FakeBackend.sse(ex), "done",
                            Fixtures.job(id, "ppl", "succeeded", "done", 1, 1, 1)))
                    .json("GET /v1/jobs/" + id + "/result", 200, Fixtures.PPL.formatted(m, ppl));
        }
        PerplexityResult p = run(new EvalMagic(), "--models fp,tiny-3b --max-tokens 512");
        assertEquals(75.5, p.ppl("tiny-3b"));
        assertTrue(ctx.allText().contains("+6.04%"), ctx.allText());
        assertEquals(1, svgs());

        backend.json("POST /v1/compare", 200, Fixtures.COMPARE);
        Session.lastArtifact("tiny-3b");
        Comparison c = run(new CompareMagic(), "The quick fox");
        assertEquals(-0.5, c.summary().worstDelta());
        assertEquals("tiny-3b", JsonNodeOf(backend, "/v1/compare").get("candidate").asText());
        assertEquals(2, svgs());

        backend.json("DELETE /v1/models/tiny-3b", 204, "");
        UnloadMagic.Unloaded u = run(new UnloadMagic(), "--artifacts");
        assertEquals(List.of("tiny-3b"), u.models());
        assertNull(Session.lastArtifact());
    }

    @Test
    void aLoadingModelIsWaitedFor() throws Exception {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        backend.on("GET /v1/models/m", (ex, body) -> {
            if (calls.incrementAndGet() == 1) {
                ex.getResponseHeaders().set("Retry-After", "1");
                FakeBackend.json(ex, 503, "{\"type\":\"unavailable\",\"code\":\"model_loading\",\"message\":\"model m is loading; retry shortly\"}");
            } else {
                FakeBackend.json(ex, 200, "{\"id\":\"m\"}");
            }
        });
        assertEquals("m", client.get("/v1/models/m").get("id").asText());
        assertEquals(2, calls.get());
    }
}
