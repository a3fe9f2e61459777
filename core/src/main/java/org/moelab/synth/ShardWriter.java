package org.moelab.synth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.moelab.compute.Parallel;
import org.moelab.tensor.DType;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes one bf16 {@code .safetensors} shard whose tensors are generated as they are written: the header
 * (names, shapes, offsets) is known from the {@link SynthTensors.Spec}s alone, then each tensor streams
 * through one 4 MiB buffer, so the heap never holds a tensor. The header is padded with spaces so the
 * data area starts 8-byte aligned, as {@code CheckpointWriter} does.
 *
 * <p>Values: RANDOM tensors are uniform on [−a, a] with a = σ·√3, i.e. std σ = the shape's
 * {@code initializer_range} (what a freshly initialised HF model has, up to the distribution's form), then
 * rounded to bf16. The stream is a function of (seed, tensor name, chunk of 2^16 elements) only, so the
 * bytes do not depend on the thread count or buffer size.
 */
final class ShardWriter {

    static final int CHUNK = 1 << 16;                      // elements per independent random stream
    private static final int BUFFER_ELEMENTS = 32 * CHUNK; // 4 MiB of bf16
    private static final ValueLayout.OfShort BF16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final short ONE = DType.toBf16(1f);

    private ShardWriter() {
    }

    /** Writes {@code specs} into {@code file} (created; the caller's directory is temporary); returns the bytes written. */
    static long write(Path file, List<SynthTensors.Spec> specs, Map<String, String> metadata, long seed, double std) throws IOException {
        ObjectNode header = new ObjectMapper().createObjectNode();
        ObjectNode meta = header.putObject("__metadata__");
        metadata.forEach(meta::put);
        long offset = 0;
        for (SynthTensors.Spec s : specs) {
            ObjectNode n = header.putObject(s.name());
            n.put("dtype", DType.BF16.safetensorsName());
            var shape = n.putArray("shape");
            for (long d : s.shape()) shape.add(d);
            n.putArray("data_offsets").add(offset).add(offset + s.bf16Bytes());
            offset += s.bf16Bytes();
        }
        ByteBuffer head = org.moelab.checkpoint.CheckpointWriter.encodeHeader(header);
        ByteBuffer buf = ByteBuffer.allocateDirect(2 * BUFFER_ELEMENTS);
        MemorySegment seg = MemorySegment.ofBuffer(buf);
        float bound = (float) (std * Math.sqrt(3));
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            while (head.hasRemaining()) ch.write(head);
            for (SynthTensors.Spec s : specs) {
                long nameSeed = mix(seed ^ fnv64(s.name()));
                long n = s.elements();
                for (long start = 0; start < n; start += BUFFER_ELEMENTS) {
                    int len = (int) Math.min(BUFFER_ELEMENTS, n - start);
                    fill(seg, s.init(), nameSeed, start, len, bound);
                    buf.clear().limit(2 * len);
                    while (buf.hasRemaining()) ch.write(buf);
                }
            }
            ch.force(true);
        }
        return head.limit() + offset;
    }

    /** Elements [start, start + len) of one tensor into seg[0, 2·len); start is a multiple of CHUNK. */
    private static void fill(MemorySegment seg, SynthTensors.Init init, long nameSeed, long start, int len, float bound) {
        int chunks = (len + CHUNK - 1) / CHUNK;
        Parallel.forRange(chunks, (long) len * 8, (from, to) -> {
            for (int c = from; c < to; c++) {
                int i0 = c * CHUNK;
                int i1 = Math.min(len, i0 + CHUNK);
                if (init == SynthTensors.Init.ONES) {
                    for (int i = i0; i < i1; i++) seg.set(BF16, 2L * i, ONE);
                    continue;
                }
                SplittableRandom rnd = new SplittableRandom(mix(nameSeed + (start + i0) / CHUNK));
                for (int i = i0; i < i1; i += 2) {
                    long r = rnd.nextLong();
                    seg.set(BF16, 2L * i, DType.toBf16(uniform(r >>> 40, bound)));
                    if (i + 1 < i1) seg.set(BF16, 2L * i + 2, DType.toBf16(uniform((r >>> 8) & 0xFFFFFF, bound)));
                }
            }
        });
    }

    /** 24 random bits → uniform on (−bound, bound), symmetric about 0. */
    static float uniform(long bits24, float bound) {
        return (float) (((bits24 + 0.5) * 0x1p-23 - 1) * bound);
    }

    /** SplitMix64's finaliser: decorrelates neighbouring seeds. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    static long fnv64(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xFF;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
