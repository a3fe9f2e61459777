package org.moelab.checkpoint;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/**
 * The bytes of one tensor as {@link CheckpointWriter} will write them, without holding a second copy on the
 * heap: an array it was given, a view over memory (usually a read-only slice of a memory-mapped source
 * checkpoint), or a range of the writer's spool file. Each writes itself little-endian in bounded chunks
 * through a small direct scratch buffer, so neither the heap nor the resident set grows with the tensor.
 */
sealed interface TensorData {

    /** Chunk size for copies: large enough for full disk bandwidth, small next to any heap. */
    int CHUNK = 8 << 20;

    long bytes();

    void writeTo(FileChannel out, ByteBuffer scratch) throws IOException;

    /** Bytes as given (already little-endian). */
    record Bytes(byte[] data) implements TensorData {
        public long bytes() {
            return data.length;
        }

        public void writeTo(FileChannel out, ByteBuffer scratch) throws IOException {
            writeFully(out, ByteBuffer.wrap(data));
        }
    }

    /**
     * A memory view, written as its raw bytes (safetensors data is little-endian, as is every mapped source).
     * Mapped pages are released from this process after each chunk ({@link MemorySegment#unload}), so copying a
     * multi-GB source tensor does not leave it resident in this process; the page cache keeps what it likes.
     */
    record Segment(MemorySegment data) implements TensorData {
        public long bytes() {
            return data.byteSize();
        }

        public void writeTo(FileChannel out, ByteBuffer scratch) throws IOException {
            for (long off = 0; off < data.byteSize(); off += CHUNK) {
                MemorySegment chunk = data.asSlice(off, Math.min(CHUNK, data.byteSize() - off));
                if (chunk.isNative() || chunk.isMapped()) {
                    writeFully(out, chunk.asByteBuffer());
                } else {
                    scratch.clear();
                    MemorySegment.ofBuffer(scratch).copyFrom(chunk);
                    scratch.limit((int) chunk.byteSize());
                    writeFully(out, scratch);
                }
                if (chunk.isMapped()) chunk.unload();
            }
        }
    }

    /** floats as F32 (row-major, little-endian), encoded chunk by chunk. */
    record Floats(float[] data) implements TensorData {
        public long bytes() {
            return 4L * data.length;
        }

        public void writeTo(FileChannel out, ByteBuffer scratch) throws IOException {
            writeLittleEndian(out, scratch, MemorySegment.ofArray(data), ValueLayout.JAVA_FLOAT, data.length);
        }
    }

    /** doubles as F64 (little-endian), encoded chunk by chunk. */
    record Doubles(double[] data) implements TensorData {
        public long bytes() {
            return 8L * data.length;
        }

        public void writeTo(FileChannel out, ByteBuffer scratch) throws IOException {
            writeLittleEndian(out, scratch, MemorySegment.ofArray(data), ValueLayout.JAVA_DOUBLE, data.length);
        }
    }

    /** Bytes {@code [offset, offset + bytes)} of the spool file, copied in the kernel (no user-space buffer). */
    record Spooled(FileChannel spool, long offset, long bytes) implements TensorData {
        public void writeTo(FileChannel out, ByteBuffer scratch) throws IOException {
            for (long done = 0; done < bytes; ) {
                long n = spool.transferTo(offset + done, bytes - done, out);
                if (n <= 0) throw new IOException("spool file ended " + (bytes - done) + " bytes early");
                done += n;
            }
        }
    }

    /** {@code count} values of {@code layout} from {@code src}, little-endian, through {@code scratch} chunk by chunk. */
    static void writeLittleEndian(FileChannel out, ByteBuffer scratch, MemorySegment src, ValueLayout layout, long count)
            throws IOException {
        long size = layout.byteSize();
        long per = CHUNK / size;
        ValueLayout le = layout.withByteAlignment(1).withOrder(ByteOrder.LITTLE_ENDIAN);
        for (long i = 0; i < count; i += per) {
            long n = Math.min(per, count - i);
            scratch.clear();
            MemorySegment.copy(src, layout, i * size, MemorySegment.ofBuffer(scratch), le, 0, n);
            scratch.limit((int) (n * size));
            writeFully(out, scratch);
        }
    }

    static void writeFully(FileChannel out, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) out.write(b);
    }
}
