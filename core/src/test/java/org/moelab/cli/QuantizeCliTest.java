package org.moelab.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moelab.TestData;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** quantize / allocate through the CLI: the JSON contracts, artifacts as --model, and clear errors. */
class QuantizeCliTest {

    static final String[] SMALL = {"--calibration-sequences", "6", "--calibration-length", "128"};

    @TempDir
    static Path tmp;

    @BeforeAll
    static void home() {
        System.setProperty("moelab.home", TestData.repo().toString());
    }

    static MoelabCliTest.Run run(String... args) {
        return MoelabCliTest.run(args);
    }

    /** The arguments followed by a small calibration set (options go after the subcommand). */
    static String[] small(String... a) {
        String[] out = java.util.Arrays.copyOf(a, a.length + SMALL.length);
        System.arraycopy(SMALL, 0, out, a.length, SMALL.length);
        return out;
    }

    @Test
    void quantizeWritesAnArtifactThatPplGenerateAndInfoAccept() throws Exception {
        Path out = tmp.resolve("q");
        MoelabCliTest.Run q = run(small("quantize", "--method", "bitsmoe", "--bits", "3", "--out", out.toString(), "--json"));
        assertEquals(0, q.code(), q.err());
        JsonNode j = q.json();
        for (String k : new String[] {"out", "method", "bits_payload", "bits_with_scales", "bits_with_basis", "bytes", "seconds"}) {
            assertTrue(j.has(k), "missing " + k + " in " + j);
        }
        assertEquals("bitsmoe", j.get("method").asText());
        assertEquals(3.0, j.get("bits_payload").asDouble(), 1e-3);
        assertTrue(j.get("bits_with_scales").asDouble() > 3.0 && j.get("bits_with_basis").asDouble() > j.get("bits_with_scales").asDouble());
        assertEquals(Files.size(out.resolve("model.safetensors")), j.get("bytes").asLong());

        MoelabCliTest.Run ppl = run("ppl", "--model", out.toString(), "--max-tokens", "1024", "--json");
        assertEquals(0, ppl.code(), ppl.err());
        double p = ppl.json().get("ppl").asDouble();
        assertTrue(p > 1 && p < 200, "ppl " + p);
        MoelabCliTest.Run gen = run("generate", "--model", out.toString(), "--prompt", "The", "--max-new", "5", "--greedy", "--json");
        assertEquals(0, gen.code(), gen.err());
        assertTrue(gen.json().get("tokens").size() >= 1);
        MoelabCliTest.Run info = run("info", "--model", out.toString(), "--json");
        assertEquals(0, info.code(), info.err());
        assertTrue(info.json().get("quantization").asText().startsWith("bitsmoe"));
    }

    /** Temporary plan work directories (quantize --dry-run, allocate) in java.io.tmpdir. */
    private static java.util.Set<Path> planDirs() throws java.io.IOException {
        try (var s = java.nio.file.Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(x -> x.getFileName().toString().startsWith("moelab-plan-")).collect(java.util.stream.Collectors.toSet());
        }
    }

    @Test
    void allocateDryRunReportsThePlanInEveryAccountingModeAndHonoursPins() throws Exception {
        java.util.Set<Path> before = planDirs();
        MoelabCliTest.Run a = run(small("allocate", "--bits", "2.5", "--dry-run", "--json", "--pin", "layers.0.*=8"));
        assertEquals(0, a.code(), a.err());
        assertEquals(before, planDirs(), "the plan's temporary work directory is removed");
        MoelabCliTest.Run q = run(small("quantize", "--bits", "2.5", "--dry-run", "--json"));
        assertEquals(0, q.code(), q.err());
        assertTrue(q.err().contains("dry run: work files in"), q.err());
        assertEquals(2.5, q.json().get("bits_payload").asDouble(), 1e-9);
        assertEquals(before, planDirs(), "quantize --dry-run removes its temporary work directory");
        JsonNode j = a.json();
        assertEquals(2.5, j.get("bits_payload").asDouble(), 1e-9);
        assertTrue(j.has("bits_with_scales") && j.has("bits_with_basis") && j.has("histogram") && j.has("gap"));
        assertTrue(j.has("estimated_bytes") && j.has("estimated_peak_memory_bytes") && j.has("coverage_flagged"));
        for (JsonNode g : j.get("by_layer_projection")) {
            if (g.get("layer").asInt() == 0) assertEquals(8.0, g.get("averageBits").asDouble(), 1e-9, "pins always win: " + g);
        }
        MoelabCliTest.Run text = run(small("allocate", "--bits", "2", "--layers", "1"));
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("calibration coverage") && text.out().contains("histogram") && text.out().contains("estimates"));
        assertFalse(text.out().contains("layer  0 "), "preview covers only layer 1");
    }

    @Test
    void baselinesAreSavedAsDequantizedCheckpointsThatRunAsModels() throws Exception {
        Path out = tmp.resolve("rtn3");
        MoelabCliTest.Run q = run("quantize", "--method", "rtn", "--bits", "3", "--out", out.toString(), "--json");
        assertEquals(0, q.code(), q.err());
        assertEquals("rtn", q.json().get("method").asText());
        assertEquals(3.25, q.json().get("bits_with_scales").asDouble(), 1e-12);
        MoelabCliTest.Run ppl = run("ppl", "--model", out.toString(), "--max-tokens", "1024", "--json");
        assertEquals(0, ppl.code(), ppl.err());
        MoelabCliTest.Run fp = run("ppl", "--max-tokens", "1024", "--json");
        assertTrue(ppl.json().get("ppl").asDouble() > fp.json().get("ppl").asDouble(), "3-bit RTN is worse than FP");
        expectBadInput("one uniform width", "quantize", "--method", "gptq", "--bits", "2.5", "--out", tmp.resolve("x").toString());
    }

    @Test
    void badInputExitsTwoWithASpecificReason() {
        Path out = tmp.resolve("never");
        String o = out.toString();
        expectBadInput("must be in [0, 16]", "quantize", "--bits", "17", "--out", o);
        expectBadInput("must be in [0, 16]", "allocate", "--bits", "-1");
        expectBadInput("--mode", "allocate", "--bits", "2", "--mode", "bogus");
        expectBadInput("--solver", "allocate", "--bits", "2", "--solver", "magic");
        expectBadInput("cannot read pin", "allocate", "--bits", "2", "--pin", "experts=3");
        expectBadInput("--layers", "allocate", "--bits", "2", "--layers", "two");
        expectBadInput("not an MoE layer", small("allocate", "--bits", "2", "--layers", "9"));
        expectBadInput("--out DIR is required", "quantize", "--bits", "2");
        expectBadInput("--bits B is required for bitsmoe", "allocate");
        expectBadInput("--bits B is required for rtn", "quantize", "--method", "rtn", "--out", o);
        expectBadInput("mobie binarizes every expert", "quantize", "--method", "mobie", "--bits", "2", "--out", o);
        expectBadInput("--sixteen bf16: expected fp16 or int16", "allocate", "--bits", "2", "--sixteen", "bf16");
        expectBadInput("--basis", "allocate", "--bits", "2", "--basis", "int4");
        expectBadInput("--method", "quantize", "--bits", "2", "--method", "awq", "--out", o);
        expectBadInput("feasible", small("allocate", "--bits", "2", "--pin", "layers.*=16"));
        expectBadInput("not a model directory", "allocate", "--bits", "2", "--model", tmp.resolve("nothing").toString());
        assertFalse(Files.exists(out), "nothing is written on bad input");
    }

    static void expectBadInput(String fragment, String... args) {
        MoelabCliTest.Run r = run(args);
        assertEquals(2, r.code(), String.join(" ", args) + " -> " + r.err());
        assertTrue(r.err().contains(fragment), "expected '" + fragment + "' in: " + r.err());
    }
}
