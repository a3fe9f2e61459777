package org.moelab.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Test support: writes {@code .safetensors} files, well-formed or deliberately broken.
 * Layout: {@code [u64 LE header length][header JSON][data]}.
 *
 * <pre>
 * new SafetensorsWriter().f32("w", shape(2, 3), 1, 2, 3, 4, 5, 6).metadata("format", "pt").write(file);
 * SafetensorsWriter.write(file, "{\"w\": {...}}", new byte[16]);   // hand-written header
 * SafetensorsWriter.write(file, 1000, header, data);                // header length that lies
 * </pre>
 */
final class SafetensorsWriter {

    static final ObjectMapper JSON = new ObjectMapper();

    private final ObjectNode header = JSON.createObjectNode();
    private final ByteArrayOutputStream data = new ByteArrayOutputStream();

    static long[] shape(long... dims) {
        return dims;
    }

    /** Appends an F32 tensor; offsets follow the previous tensor. */
    SafetensorsWriter f32(String name, long[] shape, float... values) {
        ByteBuffer b = le(values.length * 4);
        for (float v : values) b.putFloat(v);
        return tensor(name, "F32", shape, b.array());
    }

    /** Appends a BF16 tensor, rounding each value to nearest-even bfloat16. */
    SafetensorsWriter bf16(String name, long[] shape, float... values) {
        short[] bits = new short[values.length];
        for (int i = 0; i < values.length; i++) bits[i] = bf16Bits(values[i]);
        return bits16(name, "BF16", shape, bits);
    }

    /** Appends an F16 tensor (IEEE half, round to nearest even). */
    SafetensorsWriter f16(String name, long[] shape, float... values) {
        short[] bits = new short[values.length];
        for (int i = 0; i < values.length; i++) bits[i] = Float.floatToFloat16(values[i]);
        return bits16(name, "F16", shape, bits);
    }

    /** Appends a 16-bit tensor given its raw bit patterns. */
    SafetensorsWriter bits16(String name, String dtype, long[] shape, short... bits) {
        ByteBuffer b = le(bits.length * 2);
        for (short s : bits) b.putShort(s);
        return tensor(name, dtype, shape, b.array());
    }

    /** Appends a tensor with arbitrary dtype name and payload (the payload need not match the shape). */
    SafetensorsWriter tensor(String name, String dtype, long[] shape, byte[] payload) {
        long begin = data.size();
        data.writeBytes(payload);
        return entry(name, dtype, shape, begin, data.size());
    }

    /** A header entry with the given offsets and no data written for it. */
    SafetensorsWriter entry(String name, String dtype, long[] shape, long begin, long end) {
        ObjectNode e = header.putObject(name);
        e.put("dtype", dtype);
        ArrayNode s = e.putArray("shape");
        for (long d : shape) s.add(d);
        e.putArray("data_offsets").add(begin).add(end);
        return this;
    }

    /** Raw bytes appended to the data area. */
    SafetensorsWriter padding(int bytes) {
        data.writeBytes(new byte[bytes]);
        return this;
    }

    SafetensorsWriter metadata(String key, String value) {
        ObjectNode m = header.has("__metadata__") ? (ObjectNode) header.get("__metadata__") : header.putObject("__metadata__");
        m.put(key, value);
        return this;
    }

    String headerJson() {
        return header.toString();
    }

    byte[] dataBytes() {
        return data.toByteArray();
    }

    Path write(Path file) {
        return write(file, headerJson(), dataBytes());
    }

    /** A file with the given header text and data; the header length is the true one. */
    static Path write(Path file, String headerJson, byte[] data) {
        byte[] h = headerJson.getBytes(StandardCharsets.UTF_8);
        return write(file, h.length, h, data);
    }

    /** A file whose 8-byte prefix declares {@code declaredHeaderLength} whatever the header's real size. */
    static Path write(Path file, long declaredHeaderLength, byte[] header, byte[] data) {
        ByteBuffer b = le(8 + header.length + data.length);
        b.putLong(declaredHeaderLength).put(header).put(data);
        return writeBytes(file, b.array());
    }

    static Path writeBytes(Path file, byte[] bytes) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            return Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code model.safetensors.index.json} with the given tensor -> shard map. */
    static Path writeIndex(Path dir, Map<String, String> weightMap) {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("metadata").put("total_size", 0);
        ObjectNode map = root.putObject("weight_map");
        weightMap.forEach(map::put);
        return writeText(dir.resolve(Checkpoint.INDEX_FILE), root.toString());
    }

    static Path writeText(Path file, String text) {
        return writeBytes(file, text.getBytes(StandardCharsets.UTF_8));
    }

    /** float -> bfloat16 bits, round to nearest even (NaN stays a quiet NaN). */
    static short bf16Bits(float f) {
        int x = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((x >>> 16) | 0x0040);
        int rounded = x + 0x7FFF + ((x >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    private static ByteBuffer le(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
