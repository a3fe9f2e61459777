package org.moelab.checkpoint;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.moelab.tensor.DType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@code .safetensors} file any safetensors reader can open, atomically: the bytes go to a
 * temporary file beside the target, are forced to disk, and only then renamed over it, so a crash or
 * a full disk never leaves a half-written file under the final name. The header is padded with spaces
 * so the data area starts 8-byte aligned; tensors are laid out in insertion order.
 */
public final class CheckpointWriter {

    private record Entry(String name, DType dtype, long[] shape, byte[] data) {
    }

    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    public CheckpointWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    public CheckpointWriter add(String name, DType dtype, long[] shape, byte[] littleEndianData) {
        long expected = org.moelab.tensor.Tensor.elementsOf(shape) * dtype.bytes();
        if (expected != littleEndianData.length) {
            throw new IllegalArgumentException(name + ": " + littleEndianData.length + " bytes for shape "
                    + java.util.Arrays.toString(shape) + " of " + dtype + " (needs " + expected + ")");
        }
        if (entries.stream().anyMatch(e -> e.name.equals(name))) throw new IllegalArgumentException("duplicate tensor " + name);
        entries.add(new Entry(name, dtype, shape.clone(), littleEndianData));
        return this;
    }

    public CheckpointWriter addFloats(String name, float[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        return add(name, DType.F32, shape, b.array());
    }

    /** Stores floats as bf16 (round to nearest even), as Hugging Face does. */
    public CheckpointWriter addBf16(String name, float[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putShort(toBf16(v));
        return add(name, DType.BF16, shape, b.array());
    }

    public CheckpointWriter addShorts(String name, DType dtype, short[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (short v : values) b.putShort(v);
        return add(name, dtype, shape, b.array());
    }

    /** @see DType#toBf16 */
    public static short toBf16(float v) {
        return DType.toBf16(v);
    }

    /** Writes to {@code target} atomically; returns the bytes written. */
    public long write(Path target) {
        ObjectNode header = new ObjectMapper().createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Entry e : entries) {
            ObjectNode n = header.putObject(e.name);
            n.put("dtype", e.dtype.safetensorsName());
            var shape = n.putArray("shape");
            for (long d : e.shape) shape.add(d);
            var off = n.putArray("data_offsets");
            off.add(offset);
            off.add(offset + e.data.length);
            offset += e.data.length;
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                while (head.hasRemaining()) ch.write(head);
                for (Entry e : entries) {
                    ByteBuffer b = ByteBuffer.wrap(e.data);
                    while (b.hasRemaining()) ch.write(b);
                }
                ch.force(true);
            }
            readableByAll(tmp);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return 8L + padded + offset;
        } catch (IOException e) {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original error matters more
                }
            }
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /** Atomically writes a small text file (config.json, plan JSON) the same way. */
    public static void writeText(Path target, String text) {
        Path dir = target.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
            try {
                Files.writeString(tmp, text, StandardCharsets.UTF_8);
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
                readableByAll(tmp);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /** Temporary files are created private (0600); outputs are ordinary files (0644) like any checkpoint. */
    private static void readableByAll(Path p) throws IOException {
        if (p.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        }
    }
}
