package org.moelab.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moelab.TestData;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI in-process: --json prints exactly one JSON line on stdout; bad input exits 2 with a reason. */
class MoelabCliTest {

    record Run(int code, String out, String err) {
        JsonNode json() throws Exception {
            String[] lines = out.strip().split("\n");
            assertEquals(1, lines.length, "stdout must hold exactly one line with --json, got: " + out);
            return new ObjectMapper().readTree(lines[0]);
        }
    }

    @BeforeAll
    static void home() {
        System.setProperty("moelab.home", TestData.repo().toString());
    }

    static synchronized Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = MoelabCli.execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void logitsJsonMatchesReference() throws Exception {
        JsonNode p = TestData.json(TestData.teachingModel().resolve("reference.json")).get("prompts").get(0);
        StringBuilder ids = new StringBuilder();
        p.get("input_ids").forEach(i -> ids.append(ids.isEmpty() ? "" : ",").append(i.asInt()));
        Run r = run("logits", "--ids", ids.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode last = r.json().get("last");
        assertEquals(p.get("last_logits").size(), last.size());
        for (int v = 0; v < last.size(); v++) assertEquals(p.get("last_logits").get(v).asDouble(), last.get(v).asDouble(), 2e-3);
    }

    @Test
    void generateGreedyJsonReproducesReference() throws Exception {
        JsonNode p = TestData.json(TestData.teachingModel().resolve("reference.json")).get("prompts").get(2);
        Run r = run("generate", "--prompt", p.get("prompt").asText(), "--greedy", "--max-new", "20", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = r.json();
        JsonNode greedy = p.get("greedy_20");
        int n = j.get("tokens").size();
        assertTrue(n >= 1 && n <= 20);
        for (int i = 0; i < n; i++) assertEquals(greedy.get(i).asInt(), j.get("tokens").get(i).asInt(), "token " + i);
        assertTrue(j.get("text").isTextual());
        assertTrue(j.get("tokens_per_s").asDouble() >= 0);
        assertTrue(r.err().contains(p.get("prompt").asText()), "text streams to stderr under --json");
    }

    @Test
    void sampledGenerationRepeatsWithTheSameSeed() throws Exception {
        JsonNode a = run("generate", "--temperature", "0.9", "--top-p", "0.9", "--seed", "7", "--max-new", "12", "--json").json();
        JsonNode b = run("generate", "--temperature", "0.9", "--top-p", "0.9", "--seed", "7", "--max-new", "12", "--json").json();
        assertEquals(a.get("tokens"), b.get("tokens"));
    }

    @Test
    void pplJsonHasTheDocumentedFields() throws Exception {
        Run r = run("ppl", "--window", "128", "--max-tokens", "1024", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = r.json();
        assertEquals(128, j.get("window").asInt());
        assertEquals(8 * 127, j.get("tokens").asInt());
        assertTrue(j.get("ppl").asDouble() > 1 && j.get("ppl").asDouble() < 1000);
    }

    @Test
    void infoJsonDescribesTheTeachingModel() throws Exception {
        JsonNode j = run("info", "--json").json();
        assertEquals("qwen3_moe", j.get("architecture").asText());
        assertEquals(16, j.get("experts").asInt());
        assertEquals(231, j.get("tensors").asInt());
        assertEquals(9194240, j.get("parameters").asLong());
    }

    @Test
    void badInputExitsTwoWithAReason(@TempDir Path tmp) throws Exception {
        Run missing = run("info", "--model", tmp.resolve("nope").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("not a model directory"), missing.err());

        Files.writeString(tmp.resolve("config.json"), "{\"model_type\": \"llama\"}");
        Run unsupported = run("info", "--model", tmp.toString());
        assertEquals(2, unsupported.code());
        assertTrue(unsupported.err().contains("model_type 'llama' is not supported"), unsupported.err());

        Run badTemp = run("generate", "--temperature", "0", "--max-new", "1");
        assertEquals(2, badTemp.code());
        assertTrue(badTemp.err().contains("--greedy"), badTemp.err());

        Run noText = run("ppl", "--text", tmp.resolve("absent.txt").toString());
        assertEquals(2, noText.code());
        assertTrue(noText.err().contains("absent.txt"), noText.err());

        Run badIds = run("logits", "--ids", "1,99999");
        assertEquals(2, badIds.code());
        assertTrue(badIds.err().contains("outside the vocabulary"), badIds.err());
        assertEquals("", badIds.out());
    }
}
