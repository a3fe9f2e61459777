package org.moelab.compute;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.moelab.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Dot products of one weight row (read in place from its segment, any dtype) with a float vector, and
 * row conversion to float. Vector API with the preferred species; tails scalar. F16 rows go through
 * {@link Float#float16ToFloat} (intrinsified) since the Vector API has no half-float load.
 */
public final class VectorDot {

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Shorts with as many lanes as F, so one load widens into one float vector. */
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private VectorDot() {
    }

    /** Σ_j W[row, j] · x[xOff + j] over the row of length {@code len} starting at element {@code elemOff}. */
    public static float dot(Tensor w, long elemOff, float[] x, int xOff, int len) {
        MemorySegment seg = w.data();
        return switch (w.dtype()) {
            case BF16 -> dotBf16(seg, elemOff * 2, x, xOff, len);
            case F32 -> dotF32(seg, elemOff * 4, x, xOff, len);
            case F16, U8, I32, F64 -> dotScalar(w, elemOff, x, xOff, len);
        };
    }

    private static FloatVector bf16(MemorySegment seg, long byteOff) {
        ShortVector s = ShortVector.fromMemorySegment(S, seg, byteOff, LE);
        IntVector i = (IntVector) s.convertShape(VectorOperators.S2I, I, 0);
        return i.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    static float dotBf16(MemorySegment seg, long byteOff, float[] x, int xOff, int len) {
        int step = F.length();
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        int i = 0;
        for (; i + 2 * step <= len; i += 2 * step) {
            a0 = bf16(seg, byteOff + 2L * i).fma(FloatVector.fromArray(F, x, xOff + i), a0);
            a1 = bf16(seg, byteOff + 2L * (i + step)).fma(FloatVector.fromArray(F, x, xOff + i + step), a1);
        }
        for (; i + step <= len; i += step) {
            a0 = bf16(seg, byteOff + 2L * i).fma(FloatVector.fromArray(F, x, xOff + i), a0);
        }
        float sum = LaneSum.of(a0.add(a1));
        for (; i < len; i++) {
            short b = seg.get(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, byteOff + 2L * i);
            sum += Float.intBitsToFloat((b & 0xFFFF) << 16) * x[xOff + i];
        }
        return sum;
    }

    static float dotF32(MemorySegment seg, long byteOff, float[] x, int xOff, int len) {
        int step = F.length();
        FloatVector a0 = FloatVector.zero(F);
        FloatVector a1 = FloatVector.zero(F);
        int i = 0;
        for (; i + 2 * step <= len; i += 2 * step) {
            a0 = FloatVector.fromMemorySegment(F, seg, byteOff + 4L * i, LE).fma(FloatVector.fromArray(F, x, xOff + i), a0);
            a1 = FloatVector.fromMemorySegment(F, seg, byteOff + 4L * (i + step), LE).fma(FloatVector.fromArray(F, x, xOff + i + step), a1);
        }
        for (; i + step <= len; i += step) {
            a0 = FloatVector.fromMemorySegment(F, seg, byteOff + 4L * i, LE).fma(FloatVector.fromArray(F, x, xOff + i), a0);
        }
        float sum = LaneSum.of(a0.add(a1));
        for (; i < len; i++) {
            sum += seg.get(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE), byteOff + 4L * i) * x[xOff + i];
        }
        return sum;
    }

    /** The scalar reference: what every fast path must agree with. */
    public static float dotScalar(Tensor w, long elemOff, float[] x, int xOff, int len) {
        float sum = 0;
        for (int i = 0; i < len; i++) sum += w.getFloat(elemOff + i) * x[xOff + i];
        return sum;
    }

    /** Dot of two float arrays. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int len) {
        int step = F.length();
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i + step <= len; i += step) {
            acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
        }
        float sum = LaneSum.of(acc);
        for (; i < len; i++) sum += a[aOff + i] * b[bOff + i];
        return sum;
    }

    /** y[yOff..] += a · x[xOff..] */
    public static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int len) {
        int step = F.length();
        FloatVector av = FloatVector.broadcast(F, a);
        int i = 0;
        for (; i + step <= len; i += step) {
            FloatVector.fromArray(F, x, xOff + i).fma(av, FloatVector.fromArray(F, y, yOff + i)).intoArray(y, yOff + i);
        }
        for (; i < len; i++) y[yOff + i] += a * x[xOff + i];
    }

    /** Row {@code elemOff .. elemOff+len} of w as floats into out[0..len). */
    public static void toFloats(Tensor w, long elemOff, float[] out, int len) {
        toFloats(w, elemOff, out, 0, len);
    }

    /** Row {@code elemOff .. elemOff+len} of w as floats into out[outOff..outOff+len). */
    public static void toFloats(Tensor w, long elemOff, float[] out, int outOff, int len) {
        MemorySegment seg = w.data();
        int step = F.length();
        int i = 0;
        if (w.dtype() == org.moelab.tensor.DType.BF16) {
            for (; i + step <= len; i += step) bf16(seg, (elemOff + i) * 2).intoArray(out, outOff + i);
        } else if (w.dtype() == org.moelab.tensor.DType.F32) {
            for (; i + step <= len; i += step) FloatVector.fromMemorySegment(F, seg, (elemOff + i) * 4, LE).intoArray(out, outOff + i);
        }
        for (; i < len; i++) out[outOff + i] = w.getFloat(elemOff + i);
    }
}
