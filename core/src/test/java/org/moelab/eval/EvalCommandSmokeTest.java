package org.moelab.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.moelab.TestData;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code eval} end to end on the teaching model. The command is not registered in MoelabCli by this change,
 * so it is built directly (picocli instantiates the package-private class).
 */
class EvalCommandSmokeTest {

    static String run(String... args) throws Exception {
        CommandLine cli = new CommandLine(Class.forName("org.moelab.cli.EvalCommand"));
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            code = cli.execute(args);
        } finally {
            System.setOut(old);
        }
        assertEquals(0, code, "exit code");
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void jsonLineWithTasksPerplexityAndComparison() throws Exception {
        String model = TestData.teachingModel().toString();
        String out = run("--model", model, "--evalsets", TestData.repo().resolve("data/evalsets").toString(),
                "--tasks", "copa,lambada", "--limit", "4", "--ppl-text", TestData.teachingModel().resolve("val.txt").toString(),
                "--window", "128", "--max-tokens", "512", "--reference-model", model, "--compare-tokens", "256",
                "--floor-chunk", "64", "--json");
        assertEquals(1, out.strip().lines().count(), "one JSON line: " + out);
        JsonNode j = new ObjectMapper().readTree(out);
        assertEquals(2, j.get("tasks").size());
        assertEquals("copa", j.at("/tasks/0/task").asText());
        assertEquals(4, j.at("/tasks/0/items").asInt());
        assertEquals("lambada_openai", j.at("/tasks/1/task").asText());
        assertTrue(j.at("/tasks/1/ppl").isNumber());
        assertEquals(128, j.at("/perplexity/window").asInt());
        assertEquals(4, j.at("/perplexity/windows").asInt());
        assertEquals(0.0, j.at("/comparison/expertShift/rate").asDouble(), "the model against itself");
        assertEquals(100.0, j.at("/comparison/kl/sameTopPct").asDouble());
        assertEquals(64, j.at("/noiseFloor/candidateChunk").asInt());
    }

    @Test
    void markdownByDefault() throws Exception {
        String out = run("--model", TestData.teachingModel().toString(), "--evalsets",
                TestData.repo().resolve("data/evalsets").toString(), "--tasks", "winogrande", "--limit", "3");
        assertTrue(out.contains("| task | items | acc % | ± | acc_norm % | ± |"), out);
        assertTrue(out.contains("| winogrande | 3 |"), out);
    }
}
