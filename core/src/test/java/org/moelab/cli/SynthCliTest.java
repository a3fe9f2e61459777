package org.moelab.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad arguments of synth, bench scale and quantize --basis: exit 2 with a one-line reason, nothing written. */
class SynthCliTest {

    @TempDir
    Path tmp;

    private static void oneLineError(MoelabCliTest.Run r, String expected) {
        assertEquals(2, r.code(), r.err());
        String[] lines = r.err().strip().split("\n");
        String last = lines[lines.length - 1];
        assertTrue(last.contains(expected), last);
    }

    @Test
    void unknownShapeListsTheValidOnes() {
        Path out = tmp.resolve("x");
        oneLineError(MoelabCliTest.run("synth", "--like", "llama-70b", "--out", out.toString()),
                "--like llama-70b: unknown model shape; valid: qwen3-30b-a3b, mixtral-8x7b, olmoe-1b-7b");
        oneLineError(MoelabCliTest.run("synth", "--like", "mixtral-8x7b", "--layers", "0", "--out", out.toString()),
                "--layers 0: mixtral-8x7b has 1 to 32 layers");
        oneLineError(MoelabCliTest.run("synth", "--like", "olmoe-1b-7b", "--shard-mib", "0", "--out", out.toString()),
                "--shard-mib must be >= 1");
        assertFalse(Files.exists(out));
    }

    @Test
    void scaleRefusesAHeapAsLargeAsTheFile() {
        oneLineError(MoelabCliTest.run("bench", "scale", "--like", "olmoe-1b-7b", "--layers", "1", "--xmx", "64g", "--dir", tmp.toString()),
                "is not below the checkpoint");
    }

    @Test
    void quantizeBasisNamesTheChoices() {
        oneLineError(MoelabCliTest.run("quantize", "--bits", "2.5", "--basis", "int4", "--out", tmp.resolve("q").toString()),
                "--basis int4: expected bf16, f32 or int8");
    }
}
