package org.moelab.quant;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Objects;

/**
 * Table-lookup matvec over bit planes (T-MAC: Wei et al., "T-MAC: CPU Renaissance via Table Lookup for Low-Bit
 * LLM Deployment on Edge", EuroSys 2025) for the 1/2/3/4-bit layouts, on float tables.
 *
 * <p>A (count, length) matrix of packed rows in the CPU layout (the spectral components of one width, or a
 * quantized weight matrix) is repacked, once, for one direction:
 * <pre>
 *   DOT   out[j] = row_j · x           lanes = 16 rows;             a nibble = one plane's bits of 4 consecutive elements
 *   AXPY  y += Σ_j α_j · row_j         lanes = 16 consecutive elements; a nibble = one plane's bits of 4 consecutive rows
 * </pre>
 * Per call, for every 4-wide slice of the other side a 16-entry table of all its ±½ sums is built (x's elements
 * for DOT; α_j·scale_{j,g} for AXPY); then one 16-lane table select ({@code vpermd}) per plane replaces 4 × 16
 * decode-and-multiply-adds. With stored code c = (q + offset)/step ∈ [0, 2^b) and its bits c_p:
 * <pre>
 *   row_j[i] = scale_{j,g(i)} · q_{j,i},   q = step·(Σ_p 2^p·(c_p − ½) + center)
 *            b ≥ 2: step 1, offset 2^(b−1), center −½;   b = 1: step 2, offset 1, center 0
 *   Σ_i q_{j,i}·x_i = step·(Σ_p 2^p · Σ_quads T_quad[plane-p nibble] + center·Σ_i x_i),  T[m] = Σ_t (bit_t(m) − ½)·x_t
 * </pre>
 * The ±½ tables keep every partial sum as small as the signed products themselves (0/1 tables would carry an
 * offset·Σx term that cancels only at the end, losing bits when the result is small).
 * DOT rows longer than {@link #SPAN_ELEMENTS} are laid out and run in spans of whole groups (all blocks through one
 * span, then the next), so the span's tables stay in L1 while the planes and scales stream in order.
 * Storage: ⌈count/16⌉·⌈length/32⌉·b ints (DOT) or ⌈length/16⌉·⌈count/32⌉·b ints (AXPY): b bits per weight plus
 * padding; scales: DOT keeps the fp16 bits (16 per block and group, span-major like the planes; widened in the
 * loop, so the stream is as small as the CPU layout's), AXPY floats ((groups, ⌈count/32⌉·32), read once per call
 * to build its tables).
 *
 * <p>Needs 16 int lanes (AVX-512) to be fast: {@link #FAST} says whether this machine's preferred vectors have
 * them; elsewhere the kernels still run (same results) but through the Vector API's fallback, so callers use
 * the layouts' own kernels there. Group size: a multiple of 32 (DOT) or of 16 (AXPY).
 * Results agree with {@link PackedLayout#dotManyScalar} / {@link PackedLayout#axpyManyScalar} up to float
 * rounding of a different summation order.
 */
public final class BitPlaneLut {

    /** Which product a repacked matrix serves. */
    public enum Direction { DOT, AXPY }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final VectorSpecies<Short> H = ShortVector.SPECIES_256;
    /** fp16 → fp32 exponent rebias, (127 − 15) << 23. */
    private static final int HALF_REBIAS = (127 - 15) << 23;
    private static final int LANES = 16;
    /** Whether the preferred vectors have 16 float lanes, so the table select is one instruction. */
    public static final boolean FAST = FloatVector.SPECIES_PREFERRED.length() == LANES;
    /** Bit t of table entry m, as ±½: T = Σ_t B_t · v_t. */
    private static final FloatVector B0 = bitVector(0), B1 = bitVector(1), B2 = bitVector(2), B3 = bitVector(3);
    private static final FloatVector TWO = FloatVector.broadcast(F, 2f);
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[4][0]);
    /**
     * DOT: elements per span of a long row (whole groups of at most this many), so a span's tables (64 B per 4
     * elements: 8 KB) stay in L1 while the planes and the scales stream past them, both laid out span-major.
     * Measured on Zen 4, `bench kernels` (2 threads, rows of 4096, four runs alternating with the one-pass layout):
     * 2/3/4-bit 13.9–15.1 / 14.4–15.2 / 14.9–15.8 → 20.2–20.8 / 20.7–22.2 / 22.7–23.1 GB/s of packed weights. One
     * thread streaming 256 MB now runs at its in-cache speed (2-bit 36–38 vs 40 G weights/s; 4-bit 21 vs 21); with
     * spans but the scales still in block order (read with a 1 KB stride) it was 25–30 / 16–18, without spans 26–28 /
     * 14. Spans of 128 / 256 / 1024 elements were slower than 512 (2-bit, one thread: 17 / 24–26 / 29).
     */
    static final int SPAN_ELEMENTS = 512;

    private final Direction direction;
    private final int bits;
    private final int count;
    private final int length;
    private final int groupSize;
    private final int groups;
    private final float step;
    private final float offset;
    private final float center;
    /** DOT: blocks of 16 rows; AXPY: blocks of 16 elements. */
    private final int blocks;
    /** DOT: chunks of 32 elements; AXPY: chunks of 32 rows. */
    private final int chunks;
    /** Chunks per span ({@link #base}): DOT, whole groups of at most {@link #SPAN_ELEMENTS} elements; AXPY, all. */
    private final int spanChunks;
    private final int[] planes;
    /** AXPY: float scales; DOT: null. */
    private final float[] scales;
    /** DOT: fp16 scale bits; AXPY: null. */
    private final short[] halfScales;

    private BitPlaneLut(Direction direction, int bits, int count, int length, int groupSize) {
        this.direction = direction;
        this.bits = bits;
        this.count = count;
        this.length = length;
        this.groupSize = groupSize;
        this.groups = QuantizedVector.groups(length, groupSize);
        this.step = bits == 1 ? 2f : 1f;
        this.offset = bits == 1 ? 1f : 1 << (bits - 1);
        this.center = bits == 1 ? 0f : -0.5f;
        boolean dot = direction == Direction.DOT;
        this.blocks = ceil(dot ? count : length, LANES);
        this.chunks = ceil(dot ? length : count, 32);
        this.spanChunks = dot ? Math.max(1, SPAN_ELEMENTS / groupSize) * (groupSize / 32) : Math.max(1, chunks);
        this.planes = new int[Math.multiplyExact(Math.multiplyExact(blocks, chunks), bits * LANES)];
        this.scales = dot ? null : new float[Math.multiplyExact(groups, chunks * 32)];
        this.halfScales = dot ? new short[Math.multiplyExact(blocks * groups, LANES)] : null;
    }

    /**
     * {@code -Dmoelab.lut=true|false} (default true); false keeps every group in the CPU layout's own kernels (for
     * comparisons). Anything else is an error naming the choices, not a silent "off".
     */
    public static boolean enabled() {
        String v = System.getProperty("moelab.lut", "true").trim();
        return switch (v.toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("-Dmoelab.lut=" + v + ": expected true or false");
        };
    }

    /**
     * Whether repacking {@code count} rows for {@code direction} pays on this machine: needs {@link #FAST} and
     * {@link #enabled()}. Measured single-thread on Zen 4, 1043 rows of 768 (docs/kernels.md), against the layouts'
     * fused kernels: DOT 2/3/4-bit 3.6 / 2.5 / 1.9×; AXPY 2/3-bit 2.6 / 1.4×, but 4-bit 1.0× (stays put: no gain for
     * the padding). 1-bit stays put too: alone it measured 6× / 2.9×, but inside the MoE layer its loop ran on the
     * Vector API's allocating fallback (JFR: 10 GB of vector payloads per benchmark, `add` not intrinsified), and
     * without it the layer is as fast or faster. Small groups stay put: padding them to 16 (DOT) or 32 (AXPY) rows
     * would cost more memory than it saves time.
     */
    public static boolean pays(PackedLayout layout, int groupSize, int count, Direction direction) {
        if (!FAST || !enabled() || !supports(layout, groupSize, direction)) return false;
        int b = layout.bits();
        return b >= 2 && (direction == Direction.DOT ? count >= 32 : b <= 3 && count >= 64);
    }

    /** Whether {@code layout} with group size g can be repacked for {@code direction}. */
    public static boolean supports(PackedLayout layout, int groupSize, Direction direction) {
        int b = layout.bits();
        boolean scaled = b >= 1 && b <= 4 && !(layout instanceof PackedInt16);
        return scaled && groupSize > 0 && groupSize % (direction == Direction.DOT ? 32 : LANES) == 0;
    }

    /**
     * Repacks rows [0, count) of the CPU layout: row j's payload at packed[pOff + j·bytes(length)], its fp16
     * scales at scales[sOff + j·groups].
     */
    public static BitPlaneLut repack(Direction direction, PackedLayout layout, int count, int length, int groupSize,
                                     byte[] packed, int pOff, short[] scales, int sOff) {
        Objects.requireNonNull(direction, "direction");
        if (!supports(layout, groupSize, direction)) {
            throw new IllegalArgumentException("no bit-plane table layout for " + layout.bits() + "-bit rows with group size " + groupSize + " (" + direction + ")");
        }
        if (count < 0 || length < 0) throw new IllegalArgumentException("shape (" + count + ", " + length + ")");
        int vb = Math.toIntExact(layout.bytes(length));
        int ns = layout.scaleCount(length, groupSize);
        Objects.checkFromIndexSize(pOff, (long) count * vb, packed.length);
        Objects.checkFromIndexSize(sOff, (long) count * ns, scales.length);
        BitPlaneLut t = new BitPlaneLut(direction, layout.bits(), count, length, groupSize);
        int[] q = new int[length];
        for (int j = 0; j < count; j++) {
            layout.unpack(packed, pOff + j * vb, length, q, 0);
            for (int i = 0; i < length; i++) q[i] = (int) ((q[i] + t.offset) / t.step); // stored code c ∈ [0, 2^b)
            if (direction == Direction.DOT) t.putRow(j, q);
            else t.putColumn(j, q);
            for (int gk = 0; gk < ns; gk++) t.putScale(j, gk, scales[sOff + j * ns + gk]);
        }
        return t;
    }

    /** DOT: row j's codes c, 32 elements per int and plane (bit i % 32 = element i). */
    private void putRow(int j, int[] c) {
        int lane = j % LANES;
        for (int ch = 0; ch < chunks; ch++) {
            int base = base(j / LANES, ch) + lane;
            for (int p = 0; p < bits; p++) {
                int w = 0;
                for (int t = 0, i = ch * 32; t < 32 && i < length; t++, i++) w |= (c[i] >>> p & 1) << t;
                planes[base + p * LANES] = w;
            }
        }
    }

    /** AXPY: row j's codes c as bit j % 32 of every element's int (lane = element). */
    private void putColumn(int j, int[] c) {
        int ch = j / 32;
        int bit = j % 32;
        for (int i = 0; i < length; i++) {
            int base = base(i / LANES, ch) + i % LANES;
            for (int p = 0; p < bits; p++) planes[base + p * LANES] |= (c[i] >>> p & 1) << bit;
        }
    }

    private void putScale(int j, int gk, short half) {
        if (direction == Direction.DOT) halfScales[scaleBase(j / LANES, gk) + j % LANES] = half;
        else scales[gk * chunks * 32 + j] = Float.float16ToFloat(half);
    }

    /** Row j's signed codes q (as the CPU layout's {@code unpack} gives them) into q[qOff, qOff + length). */
    public void codes(int j, int[] q, int qOff) {
        Objects.checkIndex(j, count);
        Objects.checkFromIndexSize(qOff, length, q.length);
        for (int i = 0; i < length; i++) {
            int base = direction == Direction.DOT
                    ? base(j / LANES, i / 32) + j % LANES
                    : base(i / LANES, j / 32) + i % LANES;
            int bit = direction == Direction.DOT ? i % 32 : j % 32;
            int c = 0;
            for (int p = 0; p < bits; p++) c |= (planes[base + p * LANES] >>> bit & 1) << p;
            q[qOff + i] = (int) (step * c - offset);
        }
    }

    /**
     * Index of the first plane int of (block blk, chunk c). Chunks lie in spans of {@link #spanChunks}, span-major:
     * within a span every block's chunks lie back to back, so a pass over one span for all blocks reads the planes
     * in order. One span (every AXPY, and DOT rows up to {@link #SPAN_ELEMENTS}) is the plain (block, chunk) order.
     */
    private int base(int blk, int c) {
        int start = c / spanChunks * spanChunks;
        int len = Math.min(spanChunks, chunks - start);
        return ((start * blocks + blk * len + c - start) * bits) * LANES;
    }

    /**
     * DOT: index of block blk's 16 fp16 scales of group gk, span-major like the planes ({@link #base}), so a span's
     * pass reads them in order too (in block order they were read with a stride of one block's scales, and streaming
     * ran 20–30 % below the in-cache speed).
     */
    private int scaleBase(int blk, int gk) {
        int spanGroups = spanChunks / (groupSize / 32);
        int start = gk / spanGroups * spanGroups;
        int len = Math.min(spanGroups, groups - start);
        return (start * blocks + blk * len + gk - start) * LANES;
    }

    /** Row j's scale of group gk (the fp16 value it was repacked from). */
    public float scale(int j, int gk) {
        Objects.checkIndex(j, count);
        Objects.checkIndex(gk, groups);
        return direction == Direction.DOT ? Float.float16ToFloat(halfScales[scaleBase(j / LANES, gk) + j % LANES]) : scales[gk * chunks * 32 + j];
    }

    public Direction direction() {
        return direction;
    }

    public int bits() {
        return bits;
    }

    public int count() {
        return count;
    }

    public int length() {
        return length;
    }

    /** Bytes a product streams: the planes and the scales. */
    public long streamedBytes() {
        return 4L * planes.length + (scales != null ? 4L * scales.length : 2L * halfScales.length);
    }

    /** out[oOff + j] = row_j · x[xOff, xOff + length) for j < count (DOT). */
    public void dotMany(float[] x, int xOff, float[] out, int oOff) {
        if (direction != Direction.DOT) throw new IllegalStateException("repacked for " + direction + ", not DOT");
        Objects.checkFromIndexSize(xOff, length, x.length);
        Objects.checkFromIndexSize(oOff, count, out.length);
        int quads = chunks * 8;
        float[] tab = scratch(0, quads * LANES);
        float[] sums = scratch(1, groups);
        float[] lanes = scratch(2, LANES);
        for (int q = 0; q < quads; q++) {
            int i = 4 * q;
            // T = Σ_t B_t·x_t, written out (no vector-returning helper: see planeSums)
            FloatVector t = B0.mul(at(x, xOff, i));
            t = B1.fma(FloatVector.broadcast(F, at(x, xOff, i + 1)), t);
            t = B2.fma(FloatVector.broadcast(F, at(x, xOff, i + 2)), t);
            B3.fma(FloatVector.broadcast(F, at(x, xOff, i + 3)), t).intoArray(tab, q * LANES);
        }
        for (int gk = 0; gk < groups; gk++) {
            float s = 0f;
            for (int i = gk * groupSize, end = Math.min(length, i + groupSize); i < end; i++) s += x[xOff + i];
            sums[gk] = step * center * s;
        }
        int perGroup = groupSize / 32;
        FloatVector stepV = FloatVector.broadcast(F, step);
        // Long rows run span by span (base), every block through one span's groups, so the span's tables stay in L1
        // while the planes stream in order; a block's running sum waits in acc between spans (stored exactly: the
        // order of the sums, and so the result, is that of one pass).
        int spanGroups = spanChunks / perGroup;
        float[] acc = groups > spanGroups ? scratch(3, blocks * LANES) : null;
        for (int g0 = 0; g0 < groups; g0 += spanGroups) {
            int g1 = Math.min(groups, g0 + spanGroups);
            for (int blk = 0; blk < blocks; blk++) {
                FloatVector res = g0 == 0 ? FloatVector.zero(F) : FloatVector.fromArray(F, acc, blk * LANES);
                for (int gk = g0; gk < g1; gk++) {
                    planeSums(blk, gk * perGroup, Math.min(chunks, (gk + 1) * perGroup), tab, lanes);
                    FloatVector d = FloatVector.fromArray(F, lanes, 0).fma(stepV, FloatVector.broadcast(F, sums[gk]));
                    // the 16 rows' fp16 scales widened exactly (normal: rebias the exponent; zero and subnormal: em·2^-24)
                    IntVector h = ((IntVector) ShortVector.fromArray(H, halfScales, scaleBase(blk, gk))
                            .convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.AND, 0xFFFF);
                    IntVector em = h.lanewise(VectorOperators.AND, 0x7FFF);
                    IntVector sign = h.lanewise(VectorOperators.AND, 0x8000).lanewise(VectorOperators.LSHL, 16);
                    FloatVector normal = em.lanewise(VectorOperators.LSHL, 13).add(HALF_REBIAS).lanewise(VectorOperators.OR, sign).reinterpretAsFloats();
                    FloatVector tiny = ((FloatVector) em.convert(VectorOperators.I2F, 0)).mul(0x1p-24f)
                            .reinterpretAsInts().lanewise(VectorOperators.OR, sign).reinterpretAsFloats();
                    FloatVector scale = normal.blend(tiny, em.compare(VectorOperators.LT, 0x400).cast(F));
                    res = scale.fma(d, res);
                }
                if (g1 < groups) {
                    res.intoArray(acc, blk * LANES);
                    continue;
                }
                int j = blk * LANES;
                if (j + LANES <= count) res.intoArray(out, oOff + j);
                else res.intoArray(out, oOff + j, F.indexInRange(j, count));
            }
        }
    }

    /** y[yOff + i] += Σ_j α[aOff + j]·row_j[i] for i < length (AXPY). */
    public void axpyMany(float[] alpha, int aOff, float[] y, int yOff) {
        if (direction != Direction.AXPY) throw new IllegalStateException("repacked for " + direction + ", not AXPY");
        Objects.checkFromIndexSize(aOff, count, alpha.length);
        Objects.checkFromIndexSize(yOff, length, y.length);
        int rowsPadded = chunks * 32;
        int quads = chunks * 8;
        float[] tab = scratch(0, quads * LANES);
        float[] as = scratch(1, 2 * rowsPadded + LANES); // [α padded | α·scale of one group | lane sums]
        float[] lanes = scratch(2, LANES);
        System.arraycopy(alpha, aOff, as, 0, count);
        java.util.Arrays.fill(as, count, rowsPadded, 0f);
        int perGroup = groupSize / LANES;
        FloatVector stepV = FloatVector.broadcast(F, step);
        for (int gk = 0; gk < groups; gk++) {
            // α_j·scale_{j,g} (padded rows have scale 0) and their sum, lanes summed in a fixed order
            int sBase = gk * rowsPadded;
            FloatVector sum = FloatVector.zero(F);
            for (int j = 0; j < rowsPadded; j += LANES) {
                FloatVector v = FloatVector.fromArray(F, as, j).mul(FloatVector.fromArray(F, scales, sBase + j));
                v.intoArray(as, rowsPadded + j);
                sum = sum.add(v);
            }
            sum.intoArray(as, 2 * rowsPadded);
            float bias = 0f;
            for (int l = 0; l < LANES; l++) bias += as[2 * rowsPadded + l];
            for (int q = 0; q < quads; q++) {
                int j = rowsPadded + 4 * q;
                FloatVector t = B0.mul(as[j]);
                t = B1.fma(FloatVector.broadcast(F, as[j + 1]), t);
                t = B2.fma(FloatVector.broadcast(F, as[j + 2]), t);
                B3.fma(FloatVector.broadcast(F, as[j + 3]), t).intoArray(tab, q * LANES);
            }
            FloatVector biasV = FloatVector.broadcast(F, step * center * bias);
            for (int blk = gk * perGroup, end = Math.min(blocks, (gk + 1) * perGroup); blk < end; blk++) {
                planeSums(blk, 0, chunks, tab, lanes);
                FloatVector d = FloatVector.fromArray(F, lanes, 0).fma(stepV, biasV);
                int i = blk * LANES;
                if (i + LANES <= length) {
                    FloatVector.fromArray(F, y, yOff + i).add(d).intoArray(y, yOff + i);
                } else {
                    VectorMask<Float> m = F.indexInRange(i, length);
                    FloatVector.fromArray(F, y, yOff + i, m).add(d).intoArray(y, yOff + i, m);
                }
            }
        }
    }

    /**
     * Σ_p 2^p · Σ_{c ∈ [c0, c1)} Σ_k T_{8c+k}[nibble k of plane p] over block blk's lanes: Σ_p 2^p·Σ (c_p − ½)·v
     * of 16 lanes. One loop per width, each plane in its own accumulator so each table is loaded once: a shared
     * loop with per-plane branches would leave each width's code to a branch profile shared with the others.
     * The table select is written out in each loop: T[nibble k] is {@code w.selectFrom(T)} with w shifted right by
     * 4 after each nibble (selectFrom wraps indexes mod 16, so the low nibble is the index). No method here takes
     * or returns a vector; the 16 lane sums go out through {@code out[0, 16)}: C2 compiles these loops on their
     * own (they are hot before their callers are), then no longer inlines them (their code is too big), and every
     * vector crossing such a call is boxed (measured: a helper returning a vector made MoE blocks 1.5× slower;
     * JFR showed {@code FloatVector.lanewiseTemplate}, the Java fallback, under {@code sums4} while these
     * returned their vector).
     */
    private void planeSums(int blk, int c0, int c1, float[] tab, float[] out) {
        switch (bits) {
            case 1 -> sums1(blk, c0, c1, tab, out);
            case 2 -> sums2(blk, c0, c1, tab, out);
            case 3 -> sums3(blk, c0, c1, tab, out);
            default -> sums4(blk, c0, c1, tab, out);
        }
    }

    private void sums1(int blk, int c0, int c1, float[] tab, float[] out) {
        FloatVector a0 = FloatVector.zero(F);
        for (int c = c0, base = base(blk, c0); c < c1; c++, base += LANES) { // a group's chunks lie in one span
            IntVector w0 = IntVector.fromArray(I, planes, base);
            for (int k = 0; k < 8; k++) {
                IntVector t = FloatVector.fromArray(F, tab, (c * 8 + k) * LANES).reinterpretAsInts();
                a0 = a0.add(w0.selectFrom(t).reinterpretAsFloats());
                w0 = w0.lanewise(VectorOperators.LSHR, 4);
            }
        }
        a0.intoArray(out, 0);
    }

    private void sums2(int blk, int c0, int c1, float[] tab, float[] out) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0;
        for (int c = c0, base = base(blk, c0); c < c1; c++, base += 2 * LANES) {
            IntVector w0 = IntVector.fromArray(I, planes, base);
            IntVector w1 = IntVector.fromArray(I, planes, base + LANES);
            for (int k = 0; k < 8; k++) {
                IntVector t = FloatVector.fromArray(F, tab, (c * 8 + k) * LANES).reinterpretAsInts();
                a0 = a0.add(w0.selectFrom(t).reinterpretAsFloats());
                a1 = a1.add(w1.selectFrom(t).reinterpretAsFloats());
                w0 = w0.lanewise(VectorOperators.LSHR, 4);
                w1 = w1.lanewise(VectorOperators.LSHR, 4);
            }
        }
        a1.fma(TWO, a0).intoArray(out, 0);
    }

    private void sums3(int blk, int c0, int c1, float[] tab, float[] out) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0;
        for (int c = c0, base = base(blk, c0); c < c1; c++, base += 3 * LANES) {
            IntVector w0 = IntVector.fromArray(I, planes, base);
            IntVector w1 = IntVector.fromArray(I, planes, base + LANES);
            IntVector w2 = IntVector.fromArray(I, planes, base + 2 * LANES);
            for (int k = 0; k < 8; k++) {
                IntVector t = FloatVector.fromArray(F, tab, (c * 8 + k) * LANES).reinterpretAsInts();
                a0 = a0.add(w0.selectFrom(t).reinterpretAsFloats());
                a1 = a1.add(w1.selectFrom(t).reinterpretAsFloats());
                a2 = a2.add(w2.selectFrom(t).reinterpretAsFloats());
                w0 = w0.lanewise(VectorOperators.LSHR, 4);
                w1 = w1.lanewise(VectorOperators.LSHR, 4);
                w2 = w2.lanewise(VectorOperators.LSHR, 4);
            }
        }
        a2.fma(TWO, a1).fma(TWO, a0).intoArray(out, 0);
    }

    private void sums4(int blk, int c0, int c1, float[] tab, float[] out) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        for (int c = c0, base = base(blk, c0); c < c1; c++, base += 4 * LANES) {
            IntVector w0 = IntVector.fromArray(I, planes, base);
            IntVector w1 = IntVector.fromArray(I, planes, base + LANES);
            IntVector w2 = IntVector.fromArray(I, planes, base + 2 * LANES);
            IntVector w3 = IntVector.fromArray(I, planes, base + 3 * LANES);
            for (int k = 0; k < 8; k++) {
                IntVector t = FloatVector.fromArray(F, tab, (c * 8 + k) * LANES).reinterpretAsInts();
                a0 = a0.add(w0.selectFrom(t).reinterpretAsFloats());
                a1 = a1.add(w1.selectFrom(t).reinterpretAsFloats());
                a2 = a2.add(w2.selectFrom(t).reinterpretAsFloats());
                a3 = a3.add(w3.selectFrom(t).reinterpretAsFloats());
                w0 = w0.lanewise(VectorOperators.LSHR, 4);
                w1 = w1.lanewise(VectorOperators.LSHR, 4);
                w2 = w2.lanewise(VectorOperators.LSHR, 4);
                w3 = w3.lanewise(VectorOperators.LSHR, 4);
            }
        }
        a3.fma(TWO, a2).fma(TWO, a1).fma(TWO, a0).intoArray(out, 0);
    }

    private float at(float[] x, int xOff, int i) {
        return i < length ? x[xOff + i] : 0f;
    }

    private static FloatVector bitVector(int t) {
        float[] v = new float[LANES];
        for (int m = 0; m < LANES; m++) v[m] = (m >>> t & 1) - 0.5f;
        return FloatVector.fromArray(F, v, 0);
    }

    private static int ceil(int n, int d) {
        return (n + d - 1) / d;
    }

    private static float[] scratch(int slot, int n) {
        float[][] s = SCRATCH.get();
        if (s[slot].length < n) s[slot] = new float[n];
        return s[slot];
    }
}
