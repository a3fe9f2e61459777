package org.moelab.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A thin, read-only view: name, element type, shape and the bytes (usually a slice of a memory-mapped
 * checkpoint). Row-major; a 2-D weight is {@code [out, in]} as in {@code nn.Linear}. Never copies.
 */
public record Tensor(String name, DType dtype, long[] shape, MemorySegment data) {

    private static final ValueLayout.OfShort SHORT_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT_LE =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public long elements() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int i) {
        return shape[i];
    }

    /** Rows of a 2-D view (the product of all leading dims). */
    public long rows() {
        return shape.length == 1 ? 1 : elements() / shape[shape.length - 1];
    }

    /** Length of the last dimension. */
    public int cols() {
        return Math.toIntExact(shape[shape.length - 1]);
    }

    /** Element i (flat index) as float. The scalar reference for every fast path. */
    public float getFloat(long i) {
        return switch (dtype) {
            case F32 -> data.get(FLOAT_LE, i * 4);
            case BF16 -> Float.intBitsToFloat((data.get(SHORT_LE, i * 2) & 0xFFFF) << 16);
            case F16 -> Float.float16ToFloat(data.get(SHORT_LE, i * 2));
            case U8 -> data.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
            case I32 -> data.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i * 4);
            case F64 -> (float) data.get(ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i * 8);
        };
    }

    /** Sub-tensor {@code index} along the first dimension: {@code [d0, d1, ...] -> [d1, ...]}. */
    public Tensor select(long index) {
        if (index < 0 || index >= shape[0]) {
            throw new IndexOutOfBoundsException(name + ": index " + index + " outside [0," + shape[0] + ")");
        }
        long[] sub = Arrays.copyOfRange(shape, 1, shape.length);
        long bytes = elementsOf(sub) * dtype.bytes();
        return new Tensor(name + "[" + index + "]", dtype, sub, data.asSlice(index * bytes, bytes));
    }

    /** Rows {@code [from, from+count)} of the first dimension. */
    public Tensor rowRange(long from, long count) {
        if (from < 0 || count < 0 || from + count > shape[0]) {
            throw new IndexOutOfBoundsException(name + ": rows " + from + "+" + count + " outside " + shape[0]);
        }
        long[] sub = shape.clone();
        sub[0] = count;
        long rowBytes = elementsOf(shape) / shape[0] * dtype.bytes();
        return new Tensor(name + "[" + from + ":" + (from + count) + "]", dtype, sub,
                data.asSlice(from * rowBytes, count * rowBytes));
    }

    /** A copy of all elements as floats (small tensors: norms, biases, reference tests). */
    public float[] toFloatArray() {
        float[] out = new float[Math.toIntExact(elements())];
        for (int i = 0; i < out.length; i++) out[i] = getFloat(i);
        return out;
    }

    public static long elementsOf(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    /**
     * Native memory for tensors that run next to the mapped checkpoint weights for the life of a model (BitsMoE's
     * bases). The matvec kernels must see native segments only: when heap-backed bf16 bases reached the kernel
     * the mapped lm_head and attention weights go through, C2's type profile for the segment went polymorphic
     * and the whole model's bf16 matvecs slowed down (measured on the 30B shape: decode with BitsMoE blocks
     * 37.3 → 24.6–27.1 ms per token). Freed by the GC when unreachable (so not for per-call temporaries:
     * their native memory would wait for a GC); 64-byte aligned for the vector loads.
     */
    private static MemorySegment nativeBytes(long bytes) {
        return Arena.ofAuto().allocate(Math.max(1, bytes), 64).asSlice(0, bytes);
    }

    /** This tensor with its bytes in native memory (a copy, or this tensor when they already are). */
    public Tensor inNativeMemory() {
        if (data.isNative()) return this;
        MemorySegment seg = nativeBytes(data.byteSize());
        seg.copyFrom(data);
        return new Tensor(name, dtype, shape, seg);
    }

    /** Wraps a heap float array (row-major) as an F32 tensor (a heap copy: for temporaries). */
    public static Tensor ofFloats(String name, float[] values, long... shape) {
        if (elementsOf(shape) != values.length) {
            throw new IllegalArgumentException(name + ": " + values.length + " values for shape " + Arrays.toString(shape));
        }
        MemorySegment seg = MemorySegment.ofArray(new byte[values.length * 4]);
        for (int i = 0; i < values.length; i++) seg.set(FLOAT_LE, i * 4L, values[i]);
        return new Tensor(name, DType.F32, shape, seg);
    }

    /**
     * Rounds a float array (row-major) to bf16 (round-to-nearest-even) into a BF16 tensor in native memory,
     * like the mapped bf16 weights (see {@link #nativeBytes}).
     */
    public static Tensor ofBf16(String name, float[] values, long... shape) {
        if (elementsOf(shape) != values.length) {
            throw new IllegalArgumentException(name + ": " + values.length + " values for shape " + Arrays.toString(shape));
        }
        MemorySegment seg = nativeBytes(values.length * 2L);
        for (int i = 0; i < values.length; i++) seg.set(SHORT_LE, i * 2L, DType.toBf16(values[i]));
        return new Tensor(name, DType.BF16, shape, seg);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
