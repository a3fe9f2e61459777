package org.moelab.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.moelab.checkpoint.CheckpointException.Problem;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.moelab.checkpoint.CheckpointAssertions.LIMIT;
import static org.moelab.checkpoint.CheckpointAssertions.assertContains;
import static org.moelab.checkpoint.CheckpointAssertions.assertOpenFails;
import static org.moelab.checkpoint.SafetensorsWriter.shape;

/** Every way a single {@code .safetensors} file can be broken gives its own {@link Problem}, never a crash or hang. */
class SafetensorsFileMalformedTest {

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("bad.safetensors");
    }

    /** A file whose header is {@code {"w": <entryJson>}} followed by {@code dataBytes} zero bytes. */
    private Path withEntry(String entryJson, int dataBytes) {
        return SafetensorsWriter.write(file(), "{\"w\": " + entryJson + "}", new byte[dataBytes]);
    }

    // ---- the 8-byte prefix and the header length ----

    @Test
    void emptyFileIsTruncated() {
        SafetensorsWriter.writeBytes(file(), new byte[0]);
        assertContains(assertOpenFails(Problem.TRUNCATED, file(), null).getMessage(), "0 bytes");
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {1, 4, 7})
    void fewerThanEightBytesIsTruncated(int n) {
        SafetensorsWriter.writeBytes(file(), new byte[n]);
        assertContains(assertOpenFails(Problem.TRUNCATED, file(), null).getMessage(), n + " bytes");
    }

    @Test
    void headerLengthPastEndOfFile() {
        byte[] header = "{}".getBytes(StandardCharsets.UTF_8);
        SafetensorsWriter.write(file(), 1000, header, new byte[10]);
        assertContains(assertOpenFails(Problem.HEADER_PAST_END, file(), null).getMessage(), "1000");
    }

    @Test
    void headerLengthAtTheCapButFileSmallerIsPastEnd() {
        SafetensorsWriter.write(file(), SafetensorsFile.MAX_HEADER_BYTES, new byte[0], new byte[0]);
        assertOpenFails(Problem.HEADER_PAST_END, file(), null);
    }

    /** Includes u64 values that are negative as a Java long: the message prints them unsigned. */
    @ParameterizedTest(name = "declared length {0}")
    @ValueSource(longs = {SafetensorsFile.MAX_HEADER_BYTES + 1, 1L << 40, Long.MAX_VALUE, -1L, Long.MIN_VALUE})
    void headerLengthAboveTheCap(long declared) {
        SafetensorsWriter.write(file(), declared, "{}".getBytes(StandardCharsets.UTF_8), new byte[0]);
        CheckpointException e = assertOpenFails(Problem.HEADER_TOO_LARGE, file(), null);
        assertContains(e.getMessage(), Long.toUnsignedString(declared));
    }

    // ---- the header JSON as a whole ----

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"", "   ", "not json", "{\"w\": ", "{\"w\": {}} trailing", "{} {}",
            "{\"w\": 1, \"w\": 2}", "{'w': 1}"})
    void headerThatIsNotJson(String header) {
        SafetensorsWriter.write(file(), header, new byte[0]);
        assertOpenFails(Problem.BAD_JSON, file(), null);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"[]", "[{\"dtype\": \"F32\"}]", "\"w\"", "42", "null", "true"})
    void headerJsonThatIsNotAnObject(String header) {
        SafetensorsWriter.write(file(), header, new byte[0]);
        assertContains(assertOpenFails(Problem.BAD_JSON, file(), null).getMessage(), "not a JSON object");
    }

    @Test
    void headerThatIsNotUtf8() {
        byte[] header = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
        SafetensorsWriter.write(file(), header.length, header, new byte[0]);
        assertOpenFails(Problem.BAD_JSON, file(), null);
    }

    @Test
    void deeplyNestedHeaderIsRejectedNotAStackOverflow() {
        SafetensorsWriter.write(file(), "[".repeat(200_000), new byte[0]);
        assertOpenFails(Problem.BAD_JSON, file(), null);
    }

    // ---- one entry ----

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            "{\"shape\": [2], \"data_offsets\": [0, 8]}",                       // no dtype
            "{\"dtype\": \"F32\", \"data_offsets\": [0, 8]}",                   // no shape
            "{\"dtype\": \"F32\", \"shape\": [2]}",                             // no data_offsets
            "{}",
            "7",
            "[\"F32\", [2], [0, 8]]",
            "{\"dtype\": 32, \"shape\": [2], \"data_offsets\": [0, 8]}",
            "{\"dtype\": \"F32\", \"shape\": 2, \"data_offsets\": [0, 8]}",
            "{\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0]}",
            "{\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 4, 8]}",
            "{\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [\"0\", \"8\"]}",
            "{\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0.5, 8]}",
            "{\"dtype\": \"F32\", \"shape\": [-2], \"data_offsets\": [0, 8]}",
            "{\"dtype\": \"F32\", \"shape\": [\"2\"], \"data_offsets\": [0, 8]}",
            "{\"dtype\": \"F32\", \"shape\": [2.5], \"data_offsets\": [0, 8]}",
            "{\"dtype\": \"F32\", \"shape\": [null], \"data_offsets\": [0, 8]}",
            "{\"dtype\": \"F32\", \"shape\": [1e30], \"data_offsets\": [0, 8]}"})
    void malformedEntryIsBadEntryNamingTheTensor(String entry) {
        withEntry(entry, 8);
        assertOpenFails(Problem.BAD_ENTRY, file(), "w");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"I8", "I64", "BOOL", "F8_E4M3", "bf16", "f32", ""})
    void unknownDtypeNamesTensorAndDtype(String dtype) {
        new SafetensorsWriter().tensor("model.layers.0.w", dtype, shape(2), new byte[8]).write(file());
        CheckpointException e = assertOpenFails(Problem.UNSUPPORTED_DTYPE, file(), "model.layers.0.w");
        assertContains(e.getMessage(), "dtype " + dtype + " ");
    }

    /** U8 is readable (moelab's artifacts pack codes in it) but never accepted as a model weight. */
    @Test
    void byteTensorIsRejectedAsAModelWeight() {
        new SafetensorsWriter().tensor("model.norm.weight", "U8", shape(2), new byte[2]).write(file());
        try (Checkpoint cp = Checkpoint.openFiles(java.util.List.of(file()))) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> cp.get("model.norm.weight", 2));
            assertEquals(Problem.UNSUPPORTED_DTYPE, e.problem());
            assertContains(e.getMessage(), "dtype U8", "model.norm.weight");
        }
    }

    @Test
    void shapeTimesDtypeSizeDiffersFromByteLength() {
        new SafetensorsWriter().f32("ok", shape(1), 1f).tensor("w", "F32", shape(2, 3), new byte[20]).write(file());
        CheckpointException e = assertOpenFails(Problem.SHAPE_MISMATCH, file(), "w");
        assertContains(e.getMessage(), "24", "20");
    }

    @Test
    void bf16ShapeSizedAsIfF32() {
        new SafetensorsWriter().tensor("w", "BF16", shape(4), new byte[16]).write(file());
        assertContains(assertOpenFails(Problem.SHAPE_MISMATCH, file(), "w").getMessage(), "8", "16");
    }

    /** The element count overflows a long: must be a checkpoint error, not an ArithmeticException. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"[4294967296, 4294967296]", "[9223372036854775807, 2]", "[4611686018427387904]"})
    void shapeWhoseSizeOverflowsIsAMismatch(String dims) {
        withEntry("{\"dtype\": \"F32\", \"shape\": " + dims + ", \"data_offsets\": [0, 8]}", 8);
        assertOpenFails(Problem.SHAPE_MISMATCH, file(), "w");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"[0, 100]", "[12, 20]", "[17, 17]", "[-4, 4]", "[8, 4]", "[0, -8]",
            "[0, 9223372036854775807]", "[0, 18446744073709551615]", "[18446744073709551616, 0]"})
    void offsetsOutsideTheDataAreaOrReversed(String offsets) {
        withEntry("{\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": " + offsets + "}", 16);
        CheckpointException e = assertOpenFails(Problem.OFFSET_OUT_OF_RANGE, file(), "w");
        assertContains(e.getMessage(), "16 bytes");
    }

    @Test
    void fileCutShortInsideTheDataArea() {
        SafetensorsWriter w = new SafetensorsWriter().f32("a", shape(2), 1, 2).f32("b", shape(4), 1, 2, 3, 4);
        byte[] data = w.dataBytes();
        SafetensorsWriter.write(file(), w.headerJson(), java.util.Arrays.copyOf(data, data.length - 3));
        assertOpenFails(Problem.OFFSET_OUT_OF_RANGE, file(), "b");
    }

    // ---- tensors against each other ----

    @Test
    void twoOverlappingTensors() {
        new SafetensorsWriter().entry("a", "F32", shape(2), 0, 8).entry("b", "F32", shape(2), 4, 12)
                .padding(12).write(file());
        CheckpointException e = assertOpenFails(Problem.OVERLAPPING_TENSORS, file(), "b");
        assertContains(e.getMessage(), "tensor a");
    }

    @Test
    void twoTensorsOnTheSameBytes() {
        new SafetensorsWriter().entry("a", "BF16", shape(4), 0, 8).entry("b", "F32", shape(2), 0, 8)
                .padding(8).write(file());
        assertContains(assertOpenFails(Problem.OVERLAPPING_TENSORS, file(), "b").getMessage(), "tensor a");
    }

    /** A zero-byte tensor sorted between two overlapping ones must not hide their overlap. */
    @Test
    void overlapAcrossAnEmptyTensorIsStillFound() {
        new SafetensorsWriter().entry("big", "F32", shape(8), 0, 32).entry("empty", "F32", shape(0), 8, 8)
                .entry("inner", "F32", shape(2), 16, 24).padding(32).write(file());
        CheckpointException e = assertOpenFails(Problem.OVERLAPPING_TENSORS, file(), "inner");
        assertContains(e.getMessage(), "tensor big");
    }

    @Test
    void adjacentAndEmptyTensorsAreFine() {
        new SafetensorsWriter().f32("a", shape(2), 1, 2).f32("empty", shape(0, 5)).f32("b", shape(1), 3)
                .entry("empty2", "BF16", shape(0), 4, 4).write(file());
        assertTimeoutPreemptively(LIMIT, () -> {
            try (SafetensorsFile f = SafetensorsFile.open(file())) {
                assertEquals(4, f.tensors().size());
                assertEquals(3f, f.tensors().get("b").getFloat(0));
            }
        });
    }

    // ---- the file itself ----

    @Test
    void missingFileIsUnreadable() {
        assertOpenFails(Problem.FILE_UNREADABLE, dir.resolve("nope.safetensors"), null);
    }

    @Test
    void directoryIsUnreadable() {
        assertOpenFails(Problem.FILE_UNREADABLE, dir, null);
    }
}
