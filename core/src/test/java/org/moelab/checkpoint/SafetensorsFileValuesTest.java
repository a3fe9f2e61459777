package org.moelab.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moelab.tensor.DType;
import org.moelab.tensor.Tensor;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.moelab.checkpoint.SafetensorsWriter.shape;

/** Well-formed files: values come back bit-exact for each dtype, metadata is exposed, views address the right bytes. */
class SafetensorsFileValuesTest {

    @TempDir
    Path dir;

    /** 2^-133: the smallest positive bfloat16 (a float subnormal). */
    private static final float BF16_MIN_SUBNORMAL = Float.intBitsToFloat(0x0001_0000);
    /** 2^-24: the smallest positive half-precision subnormal. */
    private static final float F16_MIN_SUBNORMAL = 0x1p-24f;

    private static final float[] F32_VALUES = {1.0f, -2.5f, 0f, -0f, 0.1f, -123456.78f, Float.MIN_VALUE, -Float.MIN_NORMAL,
            Float.MAX_VALUE, Float.NEGATIVE_INFINITY};
    /** -0x1.fep127 is the most negative finite bfloat16. */
    private static final float[] BF16_VALUES = {1.0f, -2.5f, 0f, -0f, 0.15625f, -0x1.fep127f,
            BF16_MIN_SUBNORMAL, -Float.MIN_NORMAL, 65536f, -0.0078125f};
    private static final float[] F16_VALUES = {1.0f, -2.5f, 0f, -0f, 0.333251953125f, 65504f, F16_MIN_SUBNORMAL,
            -0x1p-14f, -65504f, 3 * F16_MIN_SUBNORMAL};

    @Test
    void eachDtypeReadsBackTheExactValuesWritten() {
        Path f = new SafetensorsWriter()
                .f32("f32", shape(2, 5), F32_VALUES)
                .bf16("bf16", shape(5, 2), BF16_VALUES)
                .f16("f16", shape(10), F16_VALUES)
                .write(dir.resolve("values.safetensors"));
        try (SafetensorsFile file = SafetensorsFile.open(f)) {
            assertValues(file.tensors().get("f32"), DType.F32, F32_VALUES);
            assertValues(file.tensors().get("bf16"), DType.BF16, BF16_VALUES);
            assertValues(file.tensors().get("f16"), DType.F16, F16_VALUES);
            assertArrayEquals(new long[] {2, 5}, file.tensors().get("f32").shape());
            assertEquals(List.of("f32", "bf16", "f16"), List.copyOf(file.tensors().keySet()));
        }
    }

    /** Bytes written by hand (not by the test writer), so the little-endian decoding is checked independently. */
    @Test
    void sixteenBitValuesAreLittleEndianBitPatterns() {
        byte[] data = {
                (byte) 0x80, 0x3F, 0x20, (byte) 0xC0, 0x01, 0x00, 0x00, (byte) 0x80,  // BF16: 1.0, -2.5, 2^-133, -0.0
                0x00, 0x3C, 0x00, (byte) 0xC1, 0x01, 0x00, (byte) 0xFF, 0x7B,          // F16: 1.0, -2.5, 2^-24, 65504
                0x00, 0x00, 0x20, (byte) 0xC0};                                       // F32: -2.5
        String header = "{\"b\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[0,8]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[8,16]},"
                + "\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[16,20]}}";
        Path f = SafetensorsWriter.write(dir.resolve("hand.safetensors"), header, data);
        try (SafetensorsFile file = SafetensorsFile.open(f)) {
            assertValues(file.tensors().get("b"), DType.BF16, 1.0f, -2.5f, BF16_MIN_SUBNORMAL, -0f);
            assertValues(file.tensors().get("h"), DType.F16, 1.0f, -2.5f, F16_MIN_SUBNORMAL, 65504f);
            Tensor scalar = file.tensors().get("s");
            assertEquals(0, scalar.rank());
            assertValues(scalar, DType.F32, -2.5f);
        }
    }

    @Test
    void bf16WriterRoundsToNearestEven() {
        assertEquals((short) 0x3F80, SafetensorsWriter.bf16Bits(1.0f));
        assertEquals((short) 0x3F80, SafetensorsWriter.bf16Bits(Float.intBitsToFloat(0x3F80_8000)));  // tie -> even
        assertEquals((short) 0x3F82, SafetensorsWriter.bf16Bits(Float.intBitsToFloat(0x3F81_8000)));  // tie -> even
        assertEquals((short) 0x3F81, SafetensorsWriter.bf16Bits(Float.intBitsToFloat(0x3F80_8001)));
    }

    @Test
    void metadataIsExposedAndIsNotATensor() {
        Path f = new SafetensorsWriter().metadata("format", "pt").metadata("step", "1951")
                .f32("w", shape(1), 1f).write(dir.resolve("meta.safetensors"));
        try (SafetensorsFile file = SafetensorsFile.open(f)) {
            assertEquals(Map.of("format", "pt", "step", "1951"), file.metadata());
            assertEquals(List.of("w"), List.copyOf(file.tensors().keySet()));
            assertEquals(f, file.path());
        }
    }

    @Test
    void noMetadataGivesAnEmptyMap() {
        Path f = new SafetensorsWriter().f32("w", shape(1), 1f).write(dir.resolve("plain.safetensors"));
        try (SafetensorsFile file = SafetensorsFile.open(f)) {
            assertTrue(file.metadata().isEmpty());
        }
    }

    @Test
    void headerWithOnlyMetadataHasNoTensors() {
        Path f = new SafetensorsWriter().metadata("format", "pt").write(dir.resolve("empty.safetensors"));
        try (SafetensorsFile file = SafetensorsFile.open(f)) {
            assertTrue(file.tensors().isEmpty());
            assertEquals("pt", file.metadata().get("format"));
        }
    }

    @Test
    void headerPaddedWithSpacesIsAccepted() {
        SafetensorsWriter w = new SafetensorsWriter().f32("w", shape(2), 1f, -2.5f);
        Path f = SafetensorsWriter.write(dir.resolve("padded.safetensors"), w.headerJson() + "       ", w.dataBytes());
        try (SafetensorsFile file = SafetensorsFile.open(f)) {
            assertValues(file.tensors().get("w"), DType.F32, 1f, -2.5f);
        }
    }

    // ---- views on a 3-D tensor [2, 3, 4] holding 0..23 ----

    @Test
    void selectAndRowRangeAddressTheRightElements() {
        float[] values = new float[24];
        for (int i = 0; i < values.length; i++) values[i] = i;
        Path f = new SafetensorsWriter().bf16("cube", shape(2, 3, 4), values).write(dir.resolve("cube.safetensors"));
        try (SafetensorsFile file = SafetensorsFile.open(f)) {
            Tensor cube = file.tensors().get("cube");
            assertEquals(24, cube.elements());
            assertEquals(6, cube.rows());
            assertEquals(4, cube.cols());

            Tensor second = cube.select(1);
            assertArrayEquals(new long[] {3, 4}, second.shape());
            assertArrayEquals(range(12, 24), second.toFloatArray());
            assertArrayEquals(new long[] {4}, second.select(2).shape());
            assertArrayEquals(range(20, 24), second.select(2).toFloatArray());
            assertEquals(7f, cube.select(0).select(1).getFloat(3));

            Tensor tail = cube.rowRange(1, 1);
            assertArrayEquals(new long[] {1, 3, 4}, tail.shape());
            assertArrayEquals(range(12, 24), tail.toFloatArray());
            assertArrayEquals(range(0, 24), cube.rowRange(0, 2).toFloatArray());
            assertEquals(0, cube.rowRange(2, 0).elements());
            assertArrayEquals(range(4, 12), cube.select(0).rowRange(1, 2).toFloatArray());
        }
    }

    @Test
    void viewsRejectOutOfRangeIndices() {
        Path f = new SafetensorsWriter().f32("cube", shape(2, 3, 4), new float[24]).write(dir.resolve("cube.safetensors"));
        try (SafetensorsFile file = SafetensorsFile.open(f)) {
            Tensor cube = file.tensors().get("cube");
            assertThrows(IndexOutOfBoundsException.class, () -> cube.select(-1));
            assertThrows(IndexOutOfBoundsException.class, () -> cube.select(2));
            assertThrows(IndexOutOfBoundsException.class, () -> cube.select(1).select(3));
            assertThrows(IndexOutOfBoundsException.class, () -> cube.rowRange(-1, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> cube.rowRange(0, -1));
            assertThrows(IndexOutOfBoundsException.class, () -> cube.rowRange(1, 2));
            assertThrows(IndexOutOfBoundsException.class, () -> cube.rowRange(3, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> cube.rowRange(1, Long.MAX_VALUE));
            assertThrows(IndexOutOfBoundsException.class, () -> cube.select(0).getFloat(12));
        }
    }

    @Test
    void tensorsAreUnusableAfterClose() {
        Path f = new SafetensorsWriter().f32("w", shape(1), 1f).write(dir.resolve("closed.safetensors"));
        SafetensorsFile file = SafetensorsFile.open(f);
        Tensor w = file.tensors().get("w");
        file.close();
        assertThrows(IllegalStateException.class, () -> w.getFloat(0));
    }

    private static float[] range(int from, int to) {
        float[] out = new float[to - from];
        for (int i = 0; i < out.length; i++) out[i] = from + i;
        return out;
    }

    /** Bit-exact comparison, so -0.0 vs 0.0 and subnormals are checked too. */
    private static void assertValues(Tensor t, DType dtype, float... expected) {
        assertEquals(dtype, t.dtype(), t.name());
        assertEquals(expected.length, t.elements(), t.name());
        for (int i = 0; i < expected.length; i++) {
            int want = Float.floatToIntBits(expected[i]);
            int got = Float.floatToIntBits(t.getFloat(i));
            final int idx = i;
            assertEquals(want, got, () -> t.name() + "[" + idx + "]: expected " + expected[idx] + " got " + t.getFloat(idx));
        }
        assertArrayEquals(expected, t.toFloatArray(), t.name());
    }
}
