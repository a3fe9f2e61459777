package org.moelab.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.moelab.tensor.DType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a {@code .safetensors} file any safetensors reader can open, atomically: the bytes go to a
 * temporary file beside the target, are forced to disk, and only then renamed over it, so a crash or
 * a full disk never leaves a half-written file under the final name. The header is padded with spaces
 * so the data area starts 8-byte aligned; tensors are laid out in insertion order.
 * <p>
 * Two ways to hold the data until {@link #write}: {@code new CheckpointWriter()} keeps added arrays on the heap
 * (small files); {@link #streaming(Path)} appends each added array to a spool file the moment it is added, so
 * the heap never holds more than the tensor being added. In both, {@link #add(String, DType, long[], MemorySegment)}
 * keeps only a view (e.g. a tensor of a memory-mapped source checkpoint, which must stay open until {@code write})
 * and copies it in bounded chunks at write time. {@code write} computes the header from the recorded sizes,
 * then appends every tensor's bytes in order (spooled ones copied by the kernel), so the output is the same
 * byte for byte whichever way the data was held.
 */
public final class CheckpointWriter implements AutoCloseable {

    private record Entry(String name, DType dtype, long[] shape, TensorData data) {
    }

    private final List<Entry> entries = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final Path spoolFile;      // null: in memory
    private FileChannel spool;
    private ByteBuffer scratch;

    public CheckpointWriter() {
        this.spoolFile = null;
    }

    private CheckpointWriter(Path spoolFile, FileChannel spool) {
        this.spoolFile = spoolFile;
        this.spool = spool;
    }

    /**
     * A writer that spools added arrays to a temporary file in {@code dir} (put it on the target's file system:
     * {@link #write} copies from it in the kernel). The spool file is removed by {@link #write} or {@link #close}.
     */
    public static CheckpointWriter streaming(Path dir) {
        Path f = null;
        try {
            Files.createDirectories(dir);
            f = Files.createTempFile(dir, ".spool-", ".tmp");
            return new CheckpointWriter(f, FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE));
        } catch (IOException e) {
            if (f != null) f.toFile().delete();
            throw new UncheckedIOException("cannot create a spool file in " + dir + ": " + e.getMessage(), e);
        }
    }

    public CheckpointWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    public CheckpointWriter add(String name, DType dtype, long[] shape, byte[] littleEndianData) {
        return put(name, dtype, shape, new TensorData.Bytes(littleEndianData));
    }

    /**
     * Adds a tensor whose bytes (little-endian, as in any safetensors file) stay where they are until {@link #write}:
     * no heap copy. A mapped source must stay open until then.
     */
    public CheckpointWriter add(String name, DType dtype, long[] shape, MemorySegment littleEndianData) {
        check(name, dtype, shape, littleEndianData.byteSize());
        entries.add(new Entry(name, dtype, shape.clone(), new TensorData.Segment(littleEndianData)));
        names.add(name);
        return this;
    }

    public CheckpointWriter addFloats(String name, float[] values, long... shape) {
        if (spool != null) return put(name, DType.F32, shape, new TensorData.Floats(values));
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        return add(name, DType.F32, shape, b.array());
    }

    public CheckpointWriter addDoubles(String name, double[] values, long... shape) {
        if (spool != null) return put(name, DType.F64, shape, new TensorData.Doubles(values));
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) b.putDouble(v);
        return add(name, DType.F64, shape, b.array());
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

    /** Bytes the data area will hold so far (header excluded). */
    public long dataBytes() {
        return entries.stream().mapToLong(e -> e.data.bytes()).sum();
    }

    private CheckpointWriter put(String name, DType dtype, long[] shape, TensorData data) {
        check(name, dtype, shape, data.bytes());
        if (spool != null) {
            try {
                long at = spool.position();
                data.writeTo(spool, scratch());
                data = new TensorData.Spooled(spool, at, data.bytes());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot spool " + name + " to " + spoolFile + ": " + e.getMessage(), e);
            }
        }
        entries.add(new Entry(name, dtype, shape.clone(), data));
        names.add(name);
        return this;
    }

    private void check(String name, DType dtype, long[] shape, long bytes) {
        long expected = org.moelab.tensor.Tensor.elementsOf(shape) * dtype.bytes();
        if (expected != bytes) {
            throw new IllegalArgumentException(name + ": " + bytes + " bytes for shape "
                    + java.util.Arrays.toString(shape) + " of " + dtype + " (needs " + expected + ")");
        }
        if (names.contains(name)) throw new IllegalArgumentException("duplicate tensor " + name);
        if (spoolFile != null && spool == null) throw new IllegalStateException("this streaming writer was already written or closed");
    }

    private ByteBuffer scratch() {
        if (scratch == null) scratch = ByteBuffer.allocateDirect(TensorData.CHUNK);
        return scratch;
    }

    /** Writes to {@code target} atomically; returns the bytes written. A streaming writer can write once. */
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
            off.add(offset + e.data.bytes());
            offset += e.data.bytes();
        }
        ByteBuffer head = encodeHeader(header);
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            if (spoolFile != null && spool == null) throw new IllegalStateException("this streaming writer was already written or closed");
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                TensorData.writeFully(ch, head);
                for (Entry e : entries) {
                    long before = ch.position();
                    e.data.writeTo(ch, scratch());
                    if (ch.position() - before != e.data.bytes()) {
                        throw new IOException(e.name + ": wrote " + (ch.position() - before) + " of " + e.data.bytes() + " bytes");
                    }
                }
                ch.force(true);
            }
            readableByAll(tmp);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return head.limit() + offset;
        } catch (IOException e) {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original error matters more
                }
            }
            throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            close();
        }
    }

    /** Drops a streaming writer's spool file (idempotent; a no-op in memory). */
    @Override
    public void close() {
        if (spool == null) return;
        try {
            spool.close();
            Files.deleteIfExists(spoolFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the spool file " + spoolFile + ": " + e.getMessage(), e);
        } finally {
            spool = null;
        }
    }

    /**
     * A safetensors header as it lies at the start of the file: the JSON's length (u64 little-endian, padded to a
     * multiple of 8) and the JSON padded with spaces. Ready to write (flipped).
     */
    public static ByteBuffer encodeHeader(JsonNode header) {
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        return head.flip();
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
