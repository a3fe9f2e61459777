package org.moelab.checkpoint;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.moelab.checkpoint.CheckpointException.Problem;
import org.moelab.tensor.DType;
import org.moelab.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One memory-mapped {@code .safetensors} file, fully validated on open.
 *
 * <pre>
 * [u64 little-endian N][N bytes UTF-8 JSON header][data area]
 * header: {"name": {"dtype": "BF16", "shape": [d0, d1], "data_offsets": [begin, end]}, ..., "__metadata__": {...}}
 * offsets are relative to the start of the data area.
 * </pre>
 * Checks: header length inside the file and below {@link #MAX_HEADER_BYTES}; JSON well-formed; every
 * entry has a known dtype, a non-negative integer shape and integer offsets inside the data area with
 * {@code end - begin == elements * dtype size}; no two tensors overlap.
 */
public final class SafetensorsFile implements AutoCloseable {

    /** A header larger than this is not a checkpoint (real ones are well under 10 MB). */
    public static final long MAX_HEADER_BYTES = 100L << 20;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Path path;
    private final Arena arena;
    private final Map<String, Tensor> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Arena arena, Map<String, Tensor> tensors, Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    public static SafetensorsFile open(Path path) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment file;
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                file = ch.size() == 0 ? MemorySegment.NULL : ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            } catch (IOException e) {
                throw new CheckpointException(Problem.FILE_UNREADABLE, path, null, "cannot read: " + e.getMessage(), e);
            }
            return parse(path, arena, file);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static SafetensorsFile parse(Path path, Arena arena, MemorySegment file) {
        long size = file.byteSize();
        if (size < 8) {
            throw new CheckpointException(Problem.TRUNCATED, path, null,
                    "file has " + size + " bytes, fewer than the 8-byte header length");
        }
        long headerLen = file.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLen < 0 || headerLen > MAX_HEADER_BYTES) {
            throw new CheckpointException(Problem.HEADER_TOO_LARGE, path, null,
                    "header length " + Long.toUnsignedString(headerLen) + " exceeds the cap of " + MAX_HEADER_BYTES + " bytes");
        }
        if (8 + headerLen > size) {
            throw new CheckpointException(Problem.HEADER_PAST_END, path, null,
                    "header length " + headerLen + " runs past the end of the " + size + "-byte file");
        }
        byte[] headerBytes = file.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
        JsonNode root;
        try {
            // Parsed from bytes so that invalid UTF-8 is an error rather than silently replaced characters.
            root = JSON.readTree(headerBytes);
        } catch (IOException e) {
            throw new CheckpointException(Problem.BAD_JSON, path, null, "header is not valid JSON: " + e.getMessage(), e);
        }
        if (!(root instanceof ObjectNode obj)) {
            throw new CheckpointException(Problem.BAD_JSON, path, null, "header is not a JSON object");
        }
        MemorySegment dataArea = file.asSlice(8 + headerLen);
        Map<String, String> metadata = new LinkedHashMap<>();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        List<long[]> spans = new ArrayList<>();
        List<String> spanNames = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = obj.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            if (name.equals("__metadata__")) {
                e.getValue().properties().forEach(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            Tensor t = parseEntry(path, name, e.getValue(), dataArea);
            tensors.put(name, t);
            spans.add(new long[] {t.data().address() - dataArea.address(), t.data().byteSize(), spanNames.size()});
            spanNames.add(name);
        }
        checkOverlaps(path, spans, spanNames);
        return new SafetensorsFile(path, arena, Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    private static Tensor parseEntry(Path path, String name, JsonNode entry, MemorySegment dataArea) {
        JsonNode dtypeNode = entry.get("dtype");
        JsonNode shapeNode = entry.get("shape");
        JsonNode offsets = entry.get("data_offsets");
        if (dtypeNode == null || !dtypeNode.isTextual() || shapeNode == null || !shapeNode.isArray()
                || offsets == null || !offsets.isArray() || offsets.size() != 2
                || !offsets.get(0).isIntegralNumber() || !offsets.get(1).isIntegralNumber()) {
            throw new CheckpointException(Problem.BAD_ENTRY, path, name,
                    "entry needs \"dtype\" (string), \"shape\" (array) and \"data_offsets\" ([begin, end]), got " + entry);
        }
        DType dtype = DType.fromSafetensors(dtypeNode.asText()).orElseThrow(() -> new CheckpointException(
                Problem.UNSUPPORTED_DTYPE, path, name, "dtype " + dtypeNode.asText() + " is not supported (BF16, F16, F32 are)"));
        long[] shape = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0) {
                throw new CheckpointException(Problem.BAD_ENTRY, path, name, "shape " + shapeNode + " has a bad dimension");
            }
            shape[i] = d.asLong();
        }
        if (!offsets.get(0).canConvertToLong() || !offsets.get(1).canConvertToLong()) {
            throw new CheckpointException(Problem.OFFSET_OUT_OF_RANGE, path, name,
                    "data_offsets " + offsets + " outside the data area of " + dataArea.byteSize() + " bytes");
        }
        long begin = offsets.get(0).asLong();
        long end = offsets.get(1).asLong();
        if (begin < 0 || end < begin || end > dataArea.byteSize()) {
            throw new CheckpointException(Problem.OFFSET_OUT_OF_RANGE, path, name,
                    "data_offsets [" + begin + ", " + end + "] outside the data area of " + dataArea.byteSize() + " bytes");
        }
        long expected;
        try {
            for (long d : shape) elements = Math.multiplyExact(elements, d);
            expected = Math.multiplyExact(elements, dtype.bytes());
        } catch (ArithmeticException overflow) {
            throw new CheckpointException(Problem.SHAPE_MISMATCH, path, name,
                    "shape " + shapeNode + " of " + dtype + " needs more than 2^63 bytes but data_offsets span " + (end - begin));
        }
        if (end - begin != expected) {
            throw new CheckpointException(Problem.SHAPE_MISMATCH, path, name,
                    "shape " + shapeNode + " of " + dtype + " needs " + expected + " bytes but data_offsets span " + (end - begin));
        }
        return new Tensor(name, dtype, shape, dataArea.asSlice(begin, end - begin));
    }

    /**
     * spans: {offset, length, index into names}. Empty tensors own no bytes, so they are dropped first: left in,
     * one sorted between two overlapping tensors would hide the overlap from the neighbour-to-neighbour check.
     */
    private static void checkOverlaps(Path path, List<long[]> spans, List<String> names) {
        spans.removeIf(s -> s[1] == 0);
        spans.sort(Comparator.comparingLong(s -> s[0]));
        for (int i = 1; i < spans.size(); i++) {
            long[] prev = spans.get(i - 1);
            long[] cur = spans.get(i);
            if (cur[0] < prev[0] + prev[1]) {
                throw new CheckpointException(Problem.OVERLAPPING_TENSORS, path, names.get((int) cur[2]),
                        "bytes overlap with tensor " + names.get((int) prev[2]));
            }
        }
    }

    public Path path() {
        return path;
    }

    public Map<String, Tensor> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public void close() {
        arena.close();
    }
}
