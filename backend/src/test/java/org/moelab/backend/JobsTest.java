package org.moelab.backend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Jobs end to end on the teaching model: quantization with SSE progress, the artifact as a model (BitsMoE and RTN), busy,
 * cancel, stages.
 */
@QuarkusTest
@QuarkusTestResource(TempDataDir.class)
class JobsTest {

    static final String M = "/v1/models/" + Api.TINY;
    static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URL base;

    @ConfigProperty(name = "moelab.data-dir")
    String dataDir;

    @Test
    void quantizationJobEndToEnd() throws Exception {
        Response accepted = Api.json().body(Map.of("bits", 3, "calibrationSequences", 8, "calibrationLength", 128,
                "layers", List.of(0), "name", "tiny-bitsmoe-3b")).post(M + "/quantization");
        assertEquals(202, accepted.statusCode(), accepted.asString());
        String location = accepted.header("Location");
        assertTrue(location.endsWith("/v1/jobs/" + accepted.jsonPath().getString("id")), location);
        String id = accepted.jsonPath().getString("id");

        // a second heavy task on the same model is refused while this one runs
        Api.json().body(Map.of("bits", 2)).post(M + "/quantization").then().statusCode(409)
                .body("code", equalTo("model_busy")).body("type", equalTo("conflict"));
        Api.json().body(Map.of("bits", 2)).post(M + "/allocation").then().statusCode(409).body("code", equalTo("model_busy"));
        RestAssured.delete(M).then().statusCode(409);

        List<SseClient.Event> events;
        try (SseClient sse = SseClient.get(URI.create(base + "v1/jobs/" + id + "/events"))) {
            assertEquals(200, sse.status());
            assertEquals("no", sse.header("X-Accel-Buffering"));
            assertTrue(sse.header("Content-Type").startsWith("text/event-stream"), sse.header("Content-Type"));
            events = sse.readUntil(e -> e.name().equals("done") || e.name().equals("error"), Duration.ofSeconds(120));
            assertTrue((events.getFirst().receivedNanos() - sse.openedNanos) / 1e9 < 5, "the first event comes at once");
        }
        assertEquals("status", events.getFirst().name());
        assertEquals("done", events.getLast().name(), events.toString());
        long lastSeq = -1;
        double lastFraction = -1;
        boolean sawCalibrate = false;
        for (SseClient.Event e : events) {
            if (e.name().equals("heartbeat")) continue;
            JsonNode d = JSON.readTree(e.data());
            long seq = Long.parseLong(e.id());
            assertTrue(seq > lastSeq, "events in order: " + events);
            assertTrue(d.get("fraction").asDouble() >= lastFraction, "fraction never decreases: " + events);
            lastSeq = seq;
            lastFraction = d.get("fraction").asDouble();
            sawCalibrate |= d.get("stage").asText().equals("calibrate");
        }
        assertTrue(sawCalibrate || events.size() >= 3, "progress events in between: " + events);
        // heartbeats keep the stream from going quiet for longer than the interval (300 ms in tests)
        for (int i = 1; i < events.size(); i++) {
            double gap = (events.get(i).receivedNanos() - events.get(i - 1).receivedNanos()) / 1e9;
            assertTrue(gap < 2.0, "silent for " + gap + " s before event " + i + ": " + events);
        }
        assertEquals(1.0, lastFraction, 1e-9);

        JsonPath status = RestAssured.get("/v1/jobs/" + id).then().statusCode(200).extract().jsonPath();
        assertEquals("succeeded", status.getString("state"));
        JsonPath result = RestAssured.get("/v1/jobs/" + id + "/result").then().statusCode(200).extract().jsonPath();
        assertEquals("tiny-bitsmoe-3b", result.getString("model"));
        assertTrue(result.getDouble("achievedPayloadBits") <= 3.0 + 1e-9);
        assertNotNull(result.get("plan.histogram"));

        // the artifact is a model: listed, described, generating
        RestAssured.get("/v1/models").then().body("models.id", hasItem("tiny-bitsmoe-3b"))
                .body("models.find { it.id == 'tiny-bitsmoe-3b' }.kind", equalTo("bitsmoe_artifact"))
                .body("models.find { it.id == 'tiny-bitsmoe-3b' }.busyWith", equalTo(null))
                .body("models.find { it.id == '" + Api.TINY + "' }.busyWith", equalTo(null));
        RestAssured.get("/v1/models/tiny-bitsmoe-3b").then().statusCode(200).body("quantization.method", equalTo("bitsmoe"))
                .body("quantization.layers", equalTo(List.of(0)));
        Api.json().body(Map.of("prompt", "The old man said that", "maxTokens", 8, "temperature", 0))
                .post("/v1/models/tiny-bitsmoe-3b/generate").then().statusCode(200)
                .body("tokens.size()", equalTo(8)).body("text.length()", greaterThan(0));
        Path artifact = Path.of(dataDir, "artifacts", "tiny-bitsmoe-3b");
        assertTrue(Files.isRegularFile(artifact.resolve("moelab.json")));
        assertTrue(Files.isRegularFile(Path.of(dataDir, "jobs", id + ".json")), "the job record is persisted");
        assertEquals("succeeded", JSON.readTree(Path.of(dataDir, "jobs", id + ".json").toFile()).at("/job/state").asText());

        // the same prompt through both models, token by token
        JsonPath cmp = Api.json().body(Map.of("candidate", "tiny-bitsmoe-3b", "prompt", "The old man said that he was tired."))
                .post("/v1/compare").then().statusCode(200).extract().jsonPath();
        assertEquals(Api.TINY, cmp.getString("reference"));
        assertTrue(cmp.getList("rows").size() >= 5);
        assertTrue(cmp.getDouble("summary.meanAbsDelta") > 0, "a 3-bit layer changes something");

        // an artifact cannot be quantized again; the name is taken
        Api.json().body(Map.of("bits", 2)).post("/v1/models/tiny-bitsmoe-3b/quantization").then().statusCode(422)
                .body("code", equalTo("already_quantized"));
        Api.json().body(Map.of("bits", 2, "name", "tiny-bitsmoe-3b")).post(M + "/quantization").then().statusCode(409)
                .body("code", equalTo("model_id_taken"));

        // finished jobs can be deleted
        RestAssured.delete("/v1/jobs/" + id).then().statusCode(204);
        RestAssured.get("/v1/jobs/" + id).then().statusCode(404);
    }

    @Test
    void rtnQuantizationWritesADequantizedArtifactThatIsAModel() throws Exception {
        Response accepted = Api.json().body(Map.of("method", "rtn", "bits", 3, "name", "tiny-rtn-3b")).post(M + "/quantization");
        assertEquals(202, accepted.statusCode(), accepted.asString());
        String id = accepted.jsonPath().getString("id");
        JsonPath end = Api.awaitFinished(id, Duration.ofSeconds(120));
        assertEquals("succeeded", end.getString("state"), end.prettify());
        assertEquals(1.0, end.getDouble("fraction"), 1e-9);
        JsonPath result = RestAssured.get("/v1/jobs/" + id + "/result").then().statusCode(200).extract().jsonPath();
        assertEquals("tiny-rtn-3b", result.getString("model"));
        assertEquals("rtn", result.getString("method"));
        assertEquals("moelab.dequantized/1", result.getString("format"));
        assertEquals(3.0, result.getDouble("achievedPayloadBits"), 1e-9);
        assertEquals(3.0 + 32.0 / 128, result.getDouble("achievedBitsWithScales"), 1e-9);
        assertTrue(result.getLong("bytes") > 0);
        assertEquals(List.of("rtn", "write", "register"), result.getList("stages.stage"));

        // registered as a model: kind, method and bits in its info; it generates and differs from its source
        RestAssured.get("/v1/models").then().body("models.find { it.id == 'tiny-rtn-3b' }.kind", equalTo("dequantized_artifact"))
                .body("models.find { it.id == 'tiny-rtn-3b' }.quantization.method", equalTo("rtn"));
        RestAssured.get("/v1/models/tiny-rtn-3b").then().statusCode(200).body("kind", equalTo("dequantized_artifact"))
                .body("quantization.method", equalTo("rtn")).body("quantization.bits", equalTo(3.0f))
                .body("quantization.format", equalTo("moelab.dequantized/1")).body("architecture.experts", equalTo(16));
        Path artifact = Path.of(dataDir, "artifacts", "tiny-rtn-3b");
        assertEquals("moelab.dequantized/1", JSON.readTree(artifact.resolve("moelab.json").toFile()).path("format").asText());
        Api.json().body(Map.of("prompt", "The old man said that", "maxTokens", 8, "temperature", 0))
                .post("/v1/models/tiny-rtn-3b/generate").then().statusCode(200)
                .body("tokens.size()", equalTo(8)).body("text.length()", greaterThan(0));
        JsonPath cmp = Api.json().body(Map.of("candidate", "tiny-rtn-3b", "prompt", "The old man said that he was tired."))
                .post("/v1/compare").then().statusCode(200).extract().jsonPath();
        assertTrue(cmp.getDouble("summary.meanAbsDelta") > 0, "3-bit experts change something");

        // quantized already; the name is taken
        Api.json().body(Map.of("method", "rtn", "bits", 2)).post("/v1/models/tiny-rtn-3b/quantization").then().statusCode(422)
                .body("code", equalTo("already_quantized"));
        Api.json().body(Map.of("method", "rtn", "bits", 2, "name", "tiny-rtn-3b")).post(M + "/quantization").then().statusCode(409)
                .body("code", equalTo("model_id_taken"));
        RestAssured.delete("/v1/models/tiny-rtn-3b").then().statusCode(204);
    }

    @Test
    void cancellingStopsAtTheNextStepAndLeavesNoArtifact() throws Exception {
        Response accepted = Api.json().body(Map.of("bits", 2.5, "calibrationSequences", 64, "calibrationLength", 128,
                "name", "tiny-cancelled")).post(M + "/quantization");
        assertEquals(202, accepted.statusCode(), accepted.asString());
        String id = accepted.jsonPath().getString("id");
        Api.awaitJob(id, v -> v.getDouble("fraction") > 0.03 || !v.getString("state").equals("running")
                && !v.getString("state").equals("queued"), Duration.ofSeconds(60));
        Response del = RestAssured.delete("/v1/jobs/" + id);
        assertEquals(202, del.statusCode(), del.asString());
        assertTrue(del.jsonPath().getBoolean("cancelRequested"));
        JsonPath end = Api.awaitFinished(id, Duration.ofSeconds(60));
        assertEquals("cancelled", end.getString("state"), end.prettify());
        assertEquals("job_cancelled", end.getString("error.code"));
        RestAssured.get("/v1/jobs/" + id + "/result").then().statusCode(409).body("code", equalTo("job_cancelled"));
        RestAssured.get("/v1/models/tiny-cancelled").then().statusCode(404);
        try (Stream<Path> s = Files.list(Path.of(dataDir, "artifacts"))) {
            assertFalse(s.anyMatch(p -> p.getFileName().toString().contains("tiny-cancelled")), "no partial artifact");
        }
        // the model is free again
        RestAssured.get("/v1/models").then().body("models.find { it.id == '" + Api.TINY + "' }.busyWith", equalTo(null));
        // the event stream of a finished job: its status, then the final event at once
        try (SseClient sse = SseClient.get(URI.create(base + "v1/jobs/" + id + "/events"))) {
            List<SseClient.Event> ev = sse.readUntil(e -> e.name().equals("error") || e.name().equals("done"), Duration.ofSeconds(10));
            assertEquals(List.of("status", "error"), ev.stream().map(SseClient.Event::name).toList());
            assertEquals("job_cancelled", JSON.readTree(ev.getLast().data()).at("/error/code").asText());
        }
    }

    @Test
    void decompositionJobReturnsSpectraAndEnergies() {
        Response r = Api.json().body(Map.of("layers", List.of(1), "maxDirections", 8)).post(M + "/decomposition");
        assertEquals(202, r.statusCode(), r.asString());
        String id = r.jsonPath().getString("id");
        assertEquals("succeeded", Api.awaitFinished(id, Duration.ofSeconds(60)).getString("state"));
        RestAssured.get("/v1/jobs/" + id + "/result").then().statusCode(200)
                .body("spectra.size()", equalTo(3))
                .body("spectra.projection", equalTo(List.of("gate", "up", "down")))
                .body("spectra[0].layer", equalTo(1))
                .body("spectra[0].normalized.size()", equalTo(8))
                .body("spectra[0].expertEnergies.size()", equalTo(16))
                .body("spectra[0].expertEnergies[0].size()", equalTo(8))
                .body("spectra[0].expertTotals.size()", equalTo(16));
    }

    @Test
    void perplexityJob() {
        Response r = Api.json().body(Map.of("window", 128, "maxTokens", 1024)).post(M + "/ppl");
        assertEquals(202, r.statusCode(), r.asString());
        String id = r.jsonPath().getString("id");
        assertEquals("succeeded", Api.awaitFinished(id, Duration.ofSeconds(60)).getString("state"));
        JsonPath res = RestAssured.get("/v1/jobs/" + id + "/result").then().statusCode(200).extract().jsonPath();
        assertEquals(8, res.getInt("windows"));
        assertTrue(res.getString("file").endsWith("val.txt"));
        double ppl = res.getDouble("ppl");
        assertTrue(ppl > 20 && ppl < 200, "teaching model on its held-out text: " + ppl);
    }

    @Test
    void allocationDryRunReturnsThePlan() {
        Response r = Api.json().body(Map.of("bits", 2.5, "layers", List.of(2), "calibrationSequences", 4, "calibrationLength", 64))
                .post(M + "/allocation");
        assertEquals(200, r.statusCode(), r.asString());
        JsonPath p = r.jsonPath();
        assertTrue(p.getDouble("bitsPayload") <= 2.5 + 1e-9 && p.getDouble("bitsPayload") > 2.0, r.asString());
        assertEquals("payload", p.getString("mode"));
        assertEquals(3, p.getList("byLayerProjection").size());
        assertEquals(3 * 16, p.getList("byLayerExpert").size(), "one group per projection and expert, for the heatmap");
        assertEquals(4, p.getInt("calibration.sequences"));
        assertTrue(p.getLong("estimate.artifactBytes") > 0);
        RestAssured.get("/v1/models").then().body("models.find { it.id == '" + Api.TINY + "' }.busyWith", not(equalTo("x")));
    }

    @Test
    void jobListAndStatusFields() {
        Response r = Api.json().body(Map.of("layers", List.of(0), "maxDirections", 2)).post(M + "/decomposition");
        String id = r.jsonPath().getString("id");
        Api.awaitFinished(id, Duration.ofSeconds(60));
        RestAssured.get("/v1/jobs").then().statusCode(200).body("jobs.id", hasItem(id));
        RestAssured.get("/v1/jobs/" + id).then().statusCode(200)
                .body("kind", equalTo("decomposition")).body("model", equalTo(Api.TINY)).body("fraction", equalTo(1.0f))
                .body("links.events", equalTo("/v1/jobs/" + id + "/events"));
    }
}
