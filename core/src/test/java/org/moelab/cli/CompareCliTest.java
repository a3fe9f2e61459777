package org.moelab.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moelab.TestData;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** compare: one harness, honest widths for uniform methods, unreachable budgets reported, files written. */
class CompareCliTest {

    @TempDir
    static Path tmp;

    @BeforeAll
    static void home() {
        System.setProperty("moelab.home", TestData.repo().toString());
    }

    @Test
    void tableChartAndHonestWidths() throws Exception {
        Path out = tmp.resolve("cmp");
        MoelabCliTest.Run r = MoelabCliTest.run("compare", "--methods", "fp,rtn,routernorm,bitsmoe", "--bits", "2.5,4",
                "--calibration-sequences", "4", "--calibration-length", "128", "--max-tokens", "512", "--compare-tokens", "256",
                "--out", out.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = r.json();
        List<String> cells = new ArrayList<>();
        for (JsonNode row : j.get("rows")) cells.add(row.get("method").asText() + "@" + row.get("bits").asDouble());
        assertEquals(List.of("fp@16.0", "rtn@2.0", "rtn@3.0", "rtn@4.0", "routernorm@2.5", "routernorm@4.0", "bitsmoe@2.5", "bitsmoe@4.0"),
                cells, "uniform RTN runs at 2 and 3 for 2.5, never an interpolated 2.5");
        for (JsonNode row : j.get("rows")) {
            String cell = row.get("method").asText() + "@" + row.get("bits").asDouble();
            if (cell.equals("routernorm@4.0")) {
                assertTrue(row.get("note").asText().startsWith("not reachable"), row.toString());
                assertTrue(row.get("ppl").isNull());
            } else {
                assertTrue(row.get("ppl").asDouble() > 1, row.toString());
            }
            if (cell.equals("bitsmoe@2.5")) assertEquals(2.5, row.get("bitsPayload").asDouble(), 1e-9);
        }
        assertTrue(j.get("caption").asText().contains("seed 1234") && j.get("caption").asText().contains("Group size 128"));
        for (String f : new String[] {"compare.md", "compare.json", "compare.svg", "compare.png"}) {
            assertTrue(Files.size(out.resolve(f)) > 200, f);
        }
        assertTrue(Files.readString(out.resolve("compare.svg")).contains("Perplexity vs bits"));
    }

    @Test
    void evalMeasuresPerplexityOnTheHeldOutCorporaTail() throws Exception {
        MoelabCliTest.Run r = MoelabCliTest.run("eval", "--tasks", "none", "--ppl-text", "heldout", "--window", "128", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode p = r.json().get("perplexity");
        assertEquals(32 * 127, p.get("predicted").asInt(), "32 held-out sequences of one window each");
        assertTrue(p.get("ppl").asDouble() > 1 && p.get("ppl").asDouble() < 1000, p.toString());
    }

    @Test
    void unknownMethodIsBadInput() {
        MoelabCliTest.Run r = MoelabCliTest.run("compare", "--methods", "fp,awq");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown method 'awq'"), r.err());
    }
}
