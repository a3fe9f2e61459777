package org.moelab.bitsmoe.execution;

import org.moelab.quant.PackedVector;
import org.moelab.quant.SymmetricGroupQuantizer;
import org.moelab.tensor.Tensor;

import java.util.Objects;

/**
 * One projection's shared basis as stored: B (r, H), row k = v_k (gate, up) or u_k (down), in one of the
 * {@link BasisStorage} forms.
 * <pre>
 *   BF16, F32  values (r, H) floats as decomposed (rounded to bf16 when run and when saved)
 *   INT8       codes  (r, H) bytes, c = q + 128 with q = rint(x / scale) ∈ [−127, 127] ({@code Packed8Bit})
 *              scales (r, ⌈H/128⌉) fp16, scale = absmax of the row's group / 127
 * </pre>
 * INT8 is built once from floats ({@link #of}) or from stored bytes ({@link #int8}); either way the bytes are
 * what runs and what is saved, so a saved and reloaded basis is bit-identical.
 */
public final class SharedBasis {

    /** Group of the int8 basis scales (methods.md §1.1). */
    public static final int INT8_GROUP = 128;

    private final BasisStorage storage;
    private final int rank;
    private final int hidden;
    private final float[] values;  // (r, H) BF16/F32; null for INT8
    private final byte[] codes;    // (r, H) + pad, INT8
    private final short[] scales;  // (r, ⌈H/g⌉), INT8

    private SharedBasis(BasisStorage storage, int rank, int hidden, float[] values, byte[] codes, short[] scales) {
        this.storage = storage;
        this.rank = rank;
        this.hidden = hidden;
        this.values = values;
        this.codes = codes;
        this.scales = scales;
    }

    /** The basis (r, H) from floats, stored as {@code storage} (INT8: quantized here, per row, groups of 128). */
    public static SharedBasis of(float[] rows, int rank, int hidden, BasisStorage storage) {
        Objects.requireNonNull(storage, "storage");
        if (rows.length != (long) rank * hidden) throw new IllegalArgumentException(rows.length + " values for a (" + rank + ", " + hidden + ") basis");
        if (storage != BasisStorage.INT8) return new SharedBasis(storage, rank, hidden, rows, null, null);
        SymmetricGroupQuantizer q = new SymmetricGroupQuantizer(SymmetricGroupQuantizer.Options.defaults().withGroupSize(INT8_GROUP));
        int ns = groups(hidden);
        byte[] codes = new byte[Math.addExact(Math.multiplyExact(rank, hidden), Int8BasisOp.PAD)];
        short[] scales = new short[rank * ns];
        for (int k = 0; k < rank; k++) {
            PackedVector v = PackedVector.fromQuantized(q.quantize(rows, k * hidden, hidden, 8));
            System.arraycopy(v.bytes(), 0, codes, k * hidden, hidden);
            System.arraycopy(v.scales(), 0, scales, k * ns, ns);
        }
        return new SharedBasis(BasisStorage.INT8, rank, hidden, null, codes, scales);
    }

    /** An INT8 basis from stored bytes: codes (r·H), scales (r·⌈H/128⌉ fp16). */
    public static SharedBasis int8(int rank, int hidden, byte[] codes, short[] scales) {
        if (codes.length != (long) rank * hidden || scales.length != (long) rank * groups(hidden)) {
            throw new IllegalArgumentException(codes.length + " codes and " + scales.length + " scales for an int8 (" + rank + ", " + hidden + ") basis");
        }
        byte[] padded = java.util.Arrays.copyOf(codes, codes.length + Int8BasisOp.PAD);
        return new SharedBasis(BasisStorage.INT8, rank, hidden, null, padded, scales.clone());
    }

    public static int groups(int hidden) {
        return (hidden + INT8_GROUP - 1) / INT8_GROUP;
    }

    public BasisStorage storage() {
        return storage;
    }

    public int rank() {
        return rank;
    }

    public int hidden() {
        return hidden;
    }

    /** BF16/F32: the values (not copied); INT8: the dequantized values (a fresh array). */
    public float[] values() {
        if (storage != BasisStorage.INT8) return values;
        float[] out = new float[rank * hidden];
        int ns = groups(hidden);
        for (int k = 0; k < rank; k++) {
            for (int i = 0; i < hidden; i++) {
                out[k * hidden + i] = Float.float16ToFloat(scales[k * ns + i / INT8_GROUP]) * ((codes[k * hidden + i] & 0xFF) - 128);
            }
        }
        return out;
    }

    /** INT8 codes (r·H bytes, a copy without the kernel padding). */
    public byte[] codes() {
        requireInt8();
        return java.util.Arrays.copyOf(codes, rank * hidden);
    }

    /** INT8 scales (r, ⌈H/128⌉) fp16 bits (a copy). */
    public short[] scales() {
        requireInt8();
        return scales.clone();
    }

    /** Stored bits: r·H·(16 | 32 | 8) plus the INT8 group scales. */
    public long bits() {
        long n = (long) rank * hidden;
        return storage == BasisStorage.INT8 ? 8 * n + 16L * scales.length : n * (storage == BasisStorage.BF16 ? 16 : 32);
    }

    /** The basis of rows {@code keep} (in that order) in the same storage; INT8 rows keep their bytes. */
    public SharedBasis select(int[] keep) {
        for (int k : keep) Objects.checkIndex(k, rank);
        if (keep.length == rank && java.util.stream.IntStream.range(0, rank).allMatch(k -> keep[k] == k)) return this;
        int n = keep.length;
        if (storage != BasisStorage.INT8) {
            float[] v = new float[Math.multiplyExact(n, hidden)];
            for (int j = 0; j < n; j++) System.arraycopy(values, keep[j] * hidden, v, j * hidden, hidden);
            return new SharedBasis(storage, n, hidden, v, null, null);
        }
        int ns = groups(hidden);
        byte[] c = new byte[Math.addExact(Math.multiplyExact(n, hidden), Int8BasisOp.PAD)];
        short[] sc = new short[n * ns];
        for (int j = 0; j < n; j++) {
            System.arraycopy(codes, keep[j] * hidden, c, j * hidden, hidden);
            System.arraycopy(scales, keep[j] * ns, sc, j * ns, ns);
        }
        return new SharedBasis(BasisStorage.INT8, n, hidden, null, c, sc);
    }

    /** The rows of {@code a} then those of {@code b} (same storage and H), as one basis. */
    public static SharedBasis concat(SharedBasis a, SharedBasis b) {
        if (a.storage != b.storage || a.hidden != b.hidden) {
            throw new IllegalArgumentException("cannot stack a " + a.storage + " (" + a.rank + ", " + a.hidden + ") basis on a "
                    + b.storage + " (" + b.rank + ", " + b.hidden + ") one");
        }
        int n = Math.addExact(a.rank, b.rank);
        if (a.storage != BasisStorage.INT8) {
            float[] v = java.util.Arrays.copyOf(a.values, Math.multiplyExact(n, a.hidden));
            System.arraycopy(b.values, 0, v, a.rank * a.hidden, b.rank * b.hidden);
            return new SharedBasis(a.storage, n, a.hidden, v, null, null);
        }
        byte[] c = java.util.Arrays.copyOf(a.codes, Math.addExact(Math.multiplyExact(n, a.hidden), Int8BasisOp.PAD));
        System.arraycopy(b.codes, 0, c, a.rank * a.hidden, b.rank * b.hidden);
        short[] sc = java.util.Arrays.copyOf(a.scales, a.scales.length + b.scales.length);
        System.arraycopy(b.scales, 0, sc, a.scales.length, b.scales.length);
        return new SharedBasis(BasisStorage.INT8, n, a.hidden, null, c, sc);
    }

    /** h = B x (in H, out r): the gate/up projection onto the shared directions. */
    public BasisOp projection(String name) {
        if (storage == BasisStorage.INT8) return Int8BasisOp.project(rank, hidden, codes, scales);
        return BasisOp.dense(tensor(name, values, rank, hidden));
    }

    /** y = Bᵀ acc (in r, out H): the down basis taking the r-space accumulator back to the hidden size. */
    public BasisOp expansion(String name) {
        if (storage == BasisStorage.INT8) return Int8BasisOp.expand(rank, hidden, codes, scales);
        float[] t = new float[hidden * rank]; // (H, r)
        for (int k = 0; k < rank; k++) {
            for (int h = 0; h < hidden; h++) t[h * rank + k] = values[k * hidden + h];
        }
        return BasisOp.dense(tensor(name, t, hidden, rank));
    }

    private Tensor tensor(String name, float[] v, long rows, long cols) {
        return storage == BasisStorage.BF16 ? Tensor.ofBf16(name, v, rows, cols) : Tensor.ofFloats(name, v, rows, cols).inNativeMemory();
    }

    private void requireInt8() {
        if (storage != BasisStorage.INT8) throw new IllegalStateException("a " + storage + " basis has no int8 codes");
    }
}
