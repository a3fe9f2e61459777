package org.moelab.backend;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;
import org.moelab.Progress;
import org.moelab.eval.ModelScorer;
import org.moelab.eval.TaskResult;
import org.moelab.eval.ZeroShot;
import org.moelab.model.ModelLoader;
import org.moelab.model.MoeModel;
import org.moelab.runtime.Transformer;
import org.moelab.tokenizer.MoeTokenizer;

import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The calibration, cost-model, zero-shot and expert-shift stages, MoBiE requests, and cancel when the events client leaves. */
@QuarkusTest
@QuarkusTestResource(TempDataDir.class)
class MoreStagesTest {

    static final String M = "/v1/models/" + Api.TINY;

    @TestHTTPResource("/")
    URL base;

    static JsonPath runJob(Response accepted, Duration timeout) {
        assertEquals(202, accepted.statusCode(), accepted.asString());
        String id = accepted.jsonPath().getString("id");
        JsonPath end = Api.awaitFinished(id, timeout);
        assertEquals("succeeded", end.getString("state"), end.prettify());
        return RestAssured.get("/v1/jobs/" + id + "/result").then().statusCode(200).extract().jsonPath();
    }

    @Test
    void calibrationReportsRoutedTokensPerExpert() {
        JsonPath r = runJob(Api.json().body(Map.of("layers", List.of(0), "calibrationSequences", 4, "calibrationLength", 64))
                .post(M + "/calibration"), Duration.ofSeconds(120));
        int k = RestAssured.get(M).then().statusCode(200).extract().jsonPath().getInt("architecture.expertsPerToken");
        List<List<Number>> tokens = r.getList("coverage.tokens");
        assertEquals(1, tokens.size(), "one row per calibrated layer");
        assertEquals(16, tokens.getFirst().size(), "one count per expert");
        long sum = tokens.getFirst().stream().mapToLong(Number::longValue).sum();
        assertEquals(4L * 64 * k, sum, "every calibration token is routed to k experts");
        assertEquals(4, r.getInt("calibration.sequences"));
        assertEquals(List.of(0), r.getList("coverage.layers"));
    }

    @Test
    void costCurvesFallWithTheWidth() {
        JsonPath r = runJob(Api.json().body(Map.of("layers", List.of(1), "calibrationSequences", 4, "calibrationLength", 64))
                .post(M + "/cost"), Duration.ofSeconds(180));
        List<Map<String, Object>> curves = r.getList("costs");
        assertEquals(List.of("gate", "up", "down"), curves.stream().map(c -> c.get("projection")).toList());
        for (Map<String, Object> c : curves) {
            assertEquals(List.of(0, 1, 2, 3, 4, 8, 16), c.get("candidates"));
            @SuppressWarnings("unchecked")
            List<Number> cost = (List<Number>) c.get("totalCost");
            for (int i = 1; i < cost.size(); i++) {
                assertTrue(cost.get(i).doubleValue() <= cost.get(i - 1).doubleValue() * (1 + 1e-9), "cost falls with bits: " + cost);
            }
            assertTrue(cost.getFirst().doubleValue() > 0 && cost.getLast().doubleValue() < 1e-3 * cost.getFirst().doubleValue(), "" + cost);
        }
    }

    @Test
    void zeroShotEqualsCoreOnTheSameItems() throws Exception {
        JsonPath r = runJob(Api.json().body(Map.of("tasks", "copa", "limit", 12)).post(M + "/zero-shot"), Duration.ofSeconds(120));
        assertEquals(12, r.getInt("tasks[0].items"));
        java.nio.file.Path repo = ModelsTest.TEACHING.getParent().getParent();
        try (MoeModel m = ModelLoader.load(ModelsTest.TEACHING); MoeTokenizer tok = MoeTokenizer.load(ModelsTest.TEACHING)) {
            List<TaskResult> core = ZeroShot.run(repo.resolve("data/evalsets"), List.of("copa"), new ModelScorer(new Transformer(m), tok),
                    12, Progress.NONE);
            assertEquals(core.getFirst().acc(), r.getDouble("tasks[0].acc"), 1e-12, "the backend scores as the core library does");
        }
        Api.json().body(Map.of("tasks", "nonsense")).post(M + "/zero-shot").then().statusCode(422)
                .body("field", equalTo("tasks")).body("message", containsString("unknown task"));
        Api.json().body(Map.of("limit", 3)).post(M + "/zero-shot").then().statusCode(422).body("field", equalTo("tasks"));
    }

    @Test
    void expertShiftOfAModelAgainstItselfIsZero() {
        JsonPath r = runJob(Api.json().body(Map.of("reference", Api.TINY, "maxTokens", 512, "window", 128)).post(M + "/expert-shift"),
                Duration.ofSeconds(120));
        assertEquals(0.0, r.getDouble("expertShift.rate"), 0.0);
        assertEquals(0.0, r.getDouble("kl.meanKl"), 1e-9);
        assertTrue(r.getLong("tokens") > 0);
        // a plain checkpoint has no source model: the reference must be named
        Api.json().body(Map.of()).post(M + "/expert-shift").then().statusCode(422).body("field", equalTo("reference"));
        Api.json().body(Map.of("reference", "nope")).post(M + "/expert-shift").then().statusCode(404);
    }

    @Test
    void methodsListsWhatQuantizationAccepts() {
        List<String> names = RestAssured.get("/v1/methods").then().statusCode(200).extract().jsonPath().getList("methods.name");
        assertEquals(List.of("bitsmoe", "rtn", "gptq", "routernorm", "mobie"), names);
        // every listed method is one the quantization endpoint knows (an unknown one is refused naming the field)
        Api.json().body(Map.of("method", "awq", "bits", 3)).post(M + "/quantization").then().statusCode(422).body("field", equalTo("method"))
                .body("message", containsString("mobie"));
    }

    @Test
    void mobieSwitchesBelongToMobieAndItsBudgetIsFixed() {
        Api.json().body(Map.of("method", "mobie", "bits", 2)).post(M + "/quantization").then().statusCode(422)
                .body("field", equalTo("bits"));
        Api.json().body(Map.of("bits", 2, "cejd", false)).post(M + "/quantization").then().statusCode(422)
                .body("field", equalTo("cejd"));
        Api.json().body(Map.of("method", "rtn", "bits", 2, "nges", false)).post(M + "/quantization").then().statusCode(422)
                .body("field", equalTo("nges"));
        Api.json().body(Map.of("method", "mobie", "cejd", "yes")).post(M + "/quantization").then().statusCode(400);
    }

    @Test
    void mobieJobWritesAModelWhoseRoutingShiftsFromItsSource() {
        JsonPath r = runJob(Api.json().body(Map.of("method", "mobie", "nges", false, "calibrationSequences", 4, "calibrationLength", 64,
                "name", "tiny-mobie")).post(M + "/quantization"), Duration.ofSeconds(600));
        assertEquals("mobie", r.getString("method"));
        assertEquals("tiny-mobie", r.getString("model"));
        assertEquals("moelab.mobie/1", r.getString("format"), "the packed artifact, not a simulation checkpoint");
        RestAssured.get("/v1/models/tiny-mobie").then().statusCode(200).body("kind", equalTo("mobie_artifact"))
                .body("quantization.components", equalTo("+CEJD+GLAS"));
        double paper = r.getDouble("achievedPayloadBits");
        double honest = r.getDouble("achievedBitsWithScales");
        assertTrue(paper > 1.0 && paper < 1.5 && honest > paper, "paper convention " + paper + ", with bitmaps and α/μ " + honest);
        assertTrue(r.getDouble("bitsWithBasis") > honest, "the honest total adds the CEJD backbones");
        assertTrue(r.getString("note").contains("+CEJD+GLAS") && !r.getString("note").contains("NGES"), "the ablation is recorded: "
                + r.getString("note"));
        Api.json().body(Map.of("prompt", "The old man said that", "maxTokens", 4, "temperature", 0))
                .post("/v1/models/tiny-mobie/generate").then().statusCode(200).body("tokens.size()", equalTo(4));
        Api.json().body(Map.of("method", "rtn", "bits", 2)).post("/v1/models/tiny-mobie/quantization").then().statusCode(422)
                .body("code", equalTo("already_quantized"));
        // the reference defaults to the artifact's registered source model
        JsonPath shift = runJob(Api.json().body(Map.of("maxTokens", 256, "window", 128)).post("/v1/models/tiny-mobie/expert-shift"),
                Duration.ofSeconds(120));
        assertEquals(Api.TINY, shift.getString("reference"));
        assertTrue(shift.getDouble("expertShift.rate") > 0, "binarized experts move some routing: " + shift.getDouble("expertShift.rate"));
        RestAssured.delete("/v1/models/tiny-mobie").then().statusCode(204);
    }

    @Test
    void leavingTheEventStreamCancelsWhenAsked() throws Exception {
        Response accepted = Api.json().body(Map.of("bits", 2.5, "calibrationSequences", 64, "calibrationLength", 128,
                "name", "tiny-abandoned")).post(M + "/quantization");
        assertEquals(202, accepted.statusCode(), accepted.asString());
        String id = accepted.jsonPath().getString("id");
        try (SseClient sse = SseClient.get(URI.create(base + "v1/jobs/" + id + "/events?cancelOnDisconnect=true"))) {
            List<SseClient.Event> ev = sse.readUntil(e -> e.name().equals("status"), Duration.ofSeconds(10));
            assertEquals("status", ev.getLast().name());
        }
        JsonPath end = Api.awaitFinished(id, Duration.ofSeconds(60));
        assertEquals("cancelled", end.getString("state"), end.prettify());
        RestAssured.get("/v1/models/tiny-abandoned").then().statusCode(404);
    }
}
