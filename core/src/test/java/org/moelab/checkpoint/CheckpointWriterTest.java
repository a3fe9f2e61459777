package org.moelab.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moelab.tensor.DType;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointWriterTest {

    @TempDir
    Path dir;

    @Test
    void writtenFileReadsBackExactly() {
        Path f = dir.resolve("a.safetensors");
        new CheckpointWriter().metadata("format", "moelab-test")
                .addFloats("x", new float[] {1f, -2.5f, 3e-8f}, 3)
                .addBf16("y", new float[] {1f, 1.00390625f, -0.5f, 65280f}, 2, 2)
                .add("codes", DType.U8, new long[] {3}, new byte[] {0, 7, (byte) 255})
                .write(f);
        try (SafetensorsFile s = SafetensorsFile.open(f)) {
            assertEquals("moelab-test", s.metadata().get("format"));
            assertArrayEquals(new float[] {1f, -2.5f, 3e-8f}, s.tensors().get("x").toFloatArray());
            // 1.00390625 = 1 + 2^-8 lies exactly between two bf16 values: ties to even gives 1.0.
            assertArrayEquals(new float[] {1f, 1f, -0.5f, 65280f}, s.tensors().get("y").toFloatArray());
            assertArrayEquals(new float[] {0, 7, 255}, s.tensors().get("codes").toFloatArray());
            assertEquals(0, (s.tensors().get("x").data().address() - s.tensors().values().iterator().next().data().address()) % 4);
        }
    }

    @Test
    void replacesAtomicallyAndLeavesNoTemporaryFiles() throws Exception {
        Path f = dir.resolve("b.safetensors");
        new CheckpointWriter().addFloats("v", new float[] {1}, 1).write(f);
        new CheckpointWriter().addFloats("v", new float[] {2}, 1).write(f);
        try (SafetensorsFile s = SafetensorsFile.open(f)) {
            assertEquals(2f, s.tensors().get("v").getFloat(0));
        }
        try (var list = Files.list(dir)) {
            assertEquals(1, list.count(), "only the target remains");
        }
    }

    @Test
    void failedWriteLeavesNothingBehind() throws Exception {
        Path blocker = dir.resolve("file");
        Files.writeString(blocker, "x");
        var e = assertThrows(java.io.UncheckedIOException.class,
                () -> new CheckpointWriter().addFloats("v", new float[] {1}, 1).write(blocker.resolve("c.safetensors")));
        assertTrue(e.getMessage().contains("c.safetensors"), e.getMessage());
        assertEquals("x", Files.readString(blocker));
    }

    @Test
    void rejectsSizeMismatchAndDuplicates() {
        CheckpointWriter w = new CheckpointWriter().addFloats("v", new float[] {1}, 1);
        assertThrows(IllegalArgumentException.class, () -> w.addFloats("v", new float[] {1}, 1));
        assertThrows(IllegalArgumentException.class, () -> w.add("z", DType.F32, new long[] {2}, new byte[4]));
    }
}
