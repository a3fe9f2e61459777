package org.moelab.backend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Generation (JSON and SSE), OpenAI completions, comparison, and a small concurrent load. */
@QuarkusTest
@QuarkusTestResource(TempDataDir.class)
class TextTest {

    static final String M = "/v1/models/" + Api.TINY;
    static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URL base;

    /** reference.json: prompt 0 and its 20 greedy tokens, computed by the model's trainer. */
    static JsonNode reference() throws Exception {
        return JSON.readTree(ModelsTest.TEACHING.resolve("reference.json").toFile()).get("prompts").get(0);
    }

    @Test
    void greedyGenerationMatchesTheReference() throws Exception {
        JsonNode ref = reference();
        JsonPath g = Api.json().body(Map.of("prompt", ref.get("prompt").asText(), "maxTokens", 20, "temperature", 0, "logprobs", 3))
                .post(M + "/generate").then().statusCode(200).extract().jsonPath();
        List<Integer> want = new ArrayList<>();
        ref.get("greedy_20").forEach(t -> want.add(t.asInt()));
        assertEquals(want, g.getList("tokens", Integer.class));
        assertEquals("length", g.getString("stop"));
        assertEquals(5, g.getInt("promptTokens"));
        assertEquals(20, g.getList("logprobs").size());
        assertEquals(3, g.getList("logprobs[0].top").size());
        // greedy: the chosen token is the most likely one
        assertEquals(g.getDouble("logprobs[0].logprob"), g.getDouble("logprobs[0].top[0].logprob"), 1e-9);
        assertEquals(ref.get("argmax").asInt(), g.getInt("logprobs[0].token"));
    }

    @Test
    void stopStringsEndGenerationAndAreNotReturned() throws Exception {
        String prompt = reference().get("prompt").asText();
        String full = Api.json().body(Map.of("prompt", prompt, "maxTokens", 20, "temperature", 0)).post(M + "/generate")
                .jsonPath().getString("text");
        String stop = full.substring(6, 10);
        JsonPath g = Api.json().body(Map.of("prompt", prompt, "maxTokens", 20, "temperature", 0, "stop", List.of(stop)))
                .post(M + "/generate").then().statusCode(200).extract().jsonPath();
        assertEquals("stop", g.getString("stop"));
        assertEquals(full.substring(0, full.indexOf(stop)), g.getString("text"));
    }

    @Test
    void streamingSendsTokensThenDoneAndMatchesJson() throws Exception {
        Map<String, Object> body = Map.of("prompt", "It was a dark night and", "maxTokens", 12, "temperature", 0.7, "seed", 7);
        String json = Api.json().body(body).post(M + "/generate").jsonPath().getString("text");
        try (SseClient sse = SseClient.post(URI.create(base + "v1/models/" + Api.TINY + "/generate/stream"), JSON.writeValueAsString(body))) {
            assertEquals(200, sse.status());
            assertEquals("no", sse.header("X-Accel-Buffering"));
            List<SseClient.Event> ev = sse.readUntil(e -> e.name().equals("done") || e.name().equals("error"), Duration.ofSeconds(60));
            assertEquals("start", ev.getFirst().name());
            assertEquals("done", ev.getLast().name(), ev.toString());
            StringBuilder text = new StringBuilder();
            int tokens = 0;
            for (SseClient.Event e : ev) {
                if (!e.name().equals("token")) continue;
                JsonNode d = JSON.readTree(e.data());
                text.append(d.get("text").asText());
                if (d.get("token").asInt() >= 0) tokens++;
            }
            assertTrue(tokens >= 1);
            assertEquals(json, text.toString(), "the same seed gives the same text, streamed or not");
            assertEquals(json, JSON.readTree(ev.getLast().data()).get("text").asText());
        }
    }

    @Test
    void streamingErrorsBeforeTheFirstTokenAreOrdinaryResponses() {
        RestAssured.given().contentType("application/json").accept("text/event-stream").body(Map.of("prompt", "hi"))
                .post("/v1/models/ghost/generate/stream").then().statusCode(404).body("code", equalTo("unknown_model"));
        RestAssured.given().contentType("application/json").accept("text/event-stream").body(Map.of("prompt", "hi", "topP", 2))
                .post(M + "/generate/stream").then().statusCode(422).body("field", equalTo("topP"));
    }

    @Test
    void completionsLikeLmEvalLoglikelihood() throws Exception {
        JsonNode ref = reference();
        List<Integer> ids = new ArrayList<>();
        ref.get("input_ids").forEach(t -> ids.add(t.asInt()));
        // lm-eval local-completions: token-id prompts, batched, echo, logprobs=1, max_tokens=1, temperature 0
        JsonPath c = Api.json().body(Map.of("model", Api.TINY, "prompt", List.of(ids, ids.subList(0, 3)), "max_tokens", 1,
                "echo", true, "logprobs", 1, "temperature", 0, "seed", 1234)).post("/v1/completions")
                .then().statusCode(200).body("object", equalTo("text_completion")).extract().jsonPath();
        assertEquals(2, c.getList("choices").size());
        List<Object> lps = c.getList("choices[0].logprobs.token_logprobs");
        assertEquals(ids.size() + 1, lps.size());
        assertNull(lps.getFirst());
        assertNull(c.getList("choices[0].logprobs.top_logprobs").getFirst());
        assertEquals(ids.size() + 1, c.getList("choices[0].logprobs.text_offset").size());
        // the generated token is the argmax, and its logprob is the top-1 entry (lm-eval's is_greedy check)
        Map<String, Object> lastTop = c.getMap("choices[0].logprobs.top_logprobs[" + ids.size() + "]");
        double lastLp = c.getDouble("choices[0].logprobs.token_logprobs[" + ids.size() + "]");
        assertEquals(1, lastTop.size());
        assertEquals(lastLp, ((Number) lastTop.values().iterator().next()).doubleValue(), 1e-5);
        assertEquals(ids.size() + 3, c.getInt("usage.prompt_tokens"));
        assertEquals(2, c.getInt("usage.completion_tokens"));
        assertTrue(c.getString("choices[0].text").startsWith(ref.get("prompt").asText()));
        assertEquals(4, c.getList("choices[1].logprobs.token_logprobs").size());
    }

    @Test
    void completionsForGenerationWithStop() {
        JsonPath c = Api.json().body(Map.of("model", Api.TINY, "prompt", "The old man said that", "max_tokens", 30,
                "temperature", 0, "stop", List.of("\n", "."), "best_of", 1, "logit_bias", Map.of())).post("/v1/completions")
                .then().statusCode(200).extract().jsonPath();
        String text = c.getString("choices[0].text");
        assertTrue(!text.contains("\n") && !text.contains("."), text);
        assertTrue(List.of("stop", "length").contains(c.getString("choices[0].finish_reason")));
        assertNull(c.get("choices[0].logprobs"));
        // the default model answers when none is named; max_tokens 0 with echo scores the prompt only
        JsonPath s = Api.json().body(Map.of("prompt", "Call me Ishmael.", "max_tokens", 0, "echo", true, "logprobs", 0))
                .post("/v1/completions").then().statusCode(200).body("model", equalTo(Api.TINY)).extract().jsonPath();
        assertEquals("Call me Ishmael.", s.getString("choices[0].text"));
        assertEquals(s.getInt("usage.prompt_tokens"), s.getList("choices[0].logprobs.tokens").size());
    }

    @Test
    void promptLongerThanTheContextIs422() {
        Response r = Api.json().body(Map.of("prompt", "word ".repeat(1100), "maxTokens", 1)).post(M + "/generate");
        assertEquals(422, r.statusCode(), r.asString());
    }

    @Test
    void compareAModelWithItselfGivesZeroDeltas() {
        JsonPath c = Api.json().body(Map.of("reference", Api.TINY, "candidate", Api.TINY, "prompt", "Call me Ishmael. Some years ago"))
                .post("/v1/compare").then().statusCode(200).extract().jsonPath();
        assertEquals(0.0, c.getDouble("summary.meanAbsDelta"), 1e-5);
        assertEquals(c.getList("tokens").size() - 1, c.getList("rows").size());
        assertTrue(c.getDouble("summary.referencePpl") > 1);
    }

    /**
     * 8 clients × 20 requests (generation, info, and now and then a perplexity job, which may also be refused with
     * 409 while another holds the model): no 5xx, every accepted job ends succeeded, all within 180 s.
     */
    @Test
    void eightClientsTwentyRequestsEachNo5xxNoLostJob() throws Exception {
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<String> accepted = java.util.Collections.synchronizedList(new ArrayList<>());
        try {
            List<Future<List<Integer>>> clients = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                int client = c;
                clients.add(pool.submit(() -> {
                    List<Integer> codes = new ArrayList<>();
                    for (int i = 0; i < 20; i++) {
                        Response r;
                        if (i % 7 == 3) {
                            r = Api.json().body(Map.of("window", 64, "maxTokens", 256)).post(M + "/ppl");
                            if (r.statusCode() == 202) accepted.add(r.jsonPath().getString("id"));
                        } else if ((client + i) % 2 == 0) {
                            r = Api.json().body(Map.of("prompt", "Request " + client + "." + i, "maxTokens", 4, "seed", i)).post(M + "/generate");
                        } else {
                            r = RestAssured.get(M);
                        }
                        codes.add(r.statusCode());
                    }
                    return codes;
                }));
            }
            for (Future<List<Integer>> f : clients) {
                for (int code : f.get()) assertTrue(code == 200 || code == 202 || code == 409, "status " + code);
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(!accepted.isEmpty(), "at least one perplexity job was accepted");
        for (String id : accepted) {
            assertEquals("succeeded", Api.awaitFinished(id, Duration.ofSeconds(120)).getString("state"), "job " + id);
        }
        List<String> listed = RestAssured.get("/v1/jobs").then().statusCode(200).extract().jsonPath().getList("jobs.id");
        assertTrue(listed.containsAll(accepted), "no accepted job is lost from the job list");
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(seconds < 180, "160 requests and their jobs took " + seconds + " s");
    }
}
