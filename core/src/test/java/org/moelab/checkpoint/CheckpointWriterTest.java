package org.moelab.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moelab.tensor.DType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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

    /** Spooled arrays and views over memory give the same file, byte for byte, as arrays held in memory. */
    @Test
    void streamingWriterWritesTheSameBytesAndLeavesNoSpool() throws Exception {
        float[] big = new float[3 * (TensorData.CHUNK / 4) + 17];   // several chunks plus an odd tail
        for (int i = 0; i < big.length; i++) big[i] = (float) Math.sin(i) * 1e3f;
        double[] d = {1.5, -2e300, Double.MIN_VALUE};
        byte[] codes = new byte[TensorData.CHUNK + 5];
        for (int i = 0; i < codes.length; i++) codes[i] = (byte) (i * 31);
        Path a = dir.resolve("mem.safetensors");
        new CheckpointWriter().metadata("k", "v").addFloats("big", big, big.length).addDoubles("d", d, 3)
                .add("codes", DType.U8, new long[] {codes.length}, codes).addBf16("b", new float[] {1f, -3f}, 2).write(a);
        Path b = dir.resolve("streamed.safetensors");
        Path spoolDir = dir.resolve("spool");
        try (Arena arena = Arena.ofConfined(); CheckpointWriter w = CheckpointWriter.streaming(spoolDir)) {
            MemorySegment native_ = arena.allocate(codes.length);
            native_.copyFrom(MemorySegment.ofArray(codes));
            w.metadata("k", "v").addFloats("big", big, big.length).addDoubles("d", d, 3)
                    .add("codes", DType.U8, new long[] {codes.length}, native_).addBf16("b", new float[] {1f, -3f}, 2);
            assertEquals(4L * big.length + 24 + codes.length + 4, w.dataBytes());
            assertEquals(Files.size(a), w.write(b));
            assertThrows(IllegalStateException.class, () -> w.addFloats("late", new float[] {1}, 1), "written once");
        }
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        try (var list = Files.list(spoolDir)) {
            assertEquals(0, list.count(), "the spool file is removed");
        }
        Path c = dir.resolve("heapview.safetensors");
        new CheckpointWriter().metadata("k", "v").add("big", DType.F32, new long[] {big.length},
                        MemorySegment.ofArray(Files.readAllBytes(a)).asSlice(Files.size(a) - (4L * big.length + 24 + codes.length + 4), 4L * big.length))
                .addDoubles("d", d, 3).add("codes", DType.U8, new long[] {codes.length}, MemorySegment.ofArray(codes))
                .addBf16("b", new float[] {1f, -3f}, 2).write(c);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(c), "a heap segment is copied through the scratch buffer");
    }

    @Test
    void aClosedStreamingWriterRemovesItsSpool() throws Exception {
        Path spoolDir = dir.resolve("s2");
        CheckpointWriter w = CheckpointWriter.streaming(spoolDir).addFloats("v", new float[] {1, 2}, 2);
        w.close();
        try (var list = Files.list(spoolDir)) {
            assertEquals(0, list.count());
        }
        assertThrows(IllegalStateException.class, () -> w.addFloats("x", new float[] {1}, 1));
    }

    @Test
    void rejectsSizeMismatchAndDuplicates() {
        CheckpointWriter w = new CheckpointWriter().addFloats("v", new float[] {1}, 1);
        assertThrows(IllegalArgumentException.class, () -> w.addFloats("v", new float[] {1}, 1));
        assertThrows(IllegalArgumentException.class, () -> w.add("z", DType.F32, new long[] {2}, new byte[4]));
    }
}
