package org.moelab.compute;

import jdk.incubator.vector.FloatVector;
import org.moelab.linalg.GramPrecision;
import org.moelab.linalg.SpectralCompute;
import org.moelab.quant.BitPlaneLut;
import org.moelab.tensor.DType;
import org.moelab.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * The CPU backend: the Vector API kernels of {@link org.moelab.quant.PackedLayout} and {@link MatMul} (preferred
 * species, tails scalar) and BLAS through {@link SpectralCompute#cpu()}. Each SPI operation is the existing fast
 * path, split over rows where the rows are independent, so results are bit for bit those of calling the layouts
 * directly (the bit-identical reload tests rely on that). The exception is {@link #prepareMatvec}: rows prepared
 * for many products run on {@link BitPlaneLut}'s table-lookup kernel, which rounds differently (same budget).
 */
public final class CpuBackend implements ComputeBackend {

    public static final String NAME = "cpu";

    /** Public for {@link java.util.ServiceLoader}; stateless. */
    public CpuBackend() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 0;
    }

    @Override
    public Probe probe() {
        String device = "CPU, Vector API " + FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit (" + FloatVector.SPECIES_PREFERRED.length()
                + " float lanes), " + Parallel.threads() + " threads; BLAS " + SpectralCompute.cpuImplementation()
                + "; Gram " + gramPrecision().describe();
        return new Probe(true, true, device, "always available");
    }

    /** {@code -Dmoelab.gram} (float unless set), as {@link SpectralCompute#cpu()}. */
    @Override
    public GramPrecision gramPrecision() {
        return SpectralCompute.cpu().gramPrecision();
    }

    @Override
    public void addGramOfColumns(float[] a, int rows, int cols, double[] g) {
        SpectralCompute.cpu().addGramOfColumns(a, rows, cols, g);
    }

    @Override
    public void addGramOfRows(float[] a, int rows, int cols, double[] g) {
        SpectralCompute.cpu().addGramOfRows(a, rows, cols, g);
    }

    /** Rows in parallel; each row is {@link org.moelab.quant.PackedLayout#dequantize}. */
    @Override
    public void dequantize(PackedRows w, float[] out, int oOff) {
        java.util.Objects.checkFromIndexSize(oOff, (long) w.count() * w.length(), out.length);
        int vb = w.rowBytes();
        int ns = w.scalesPerRow();
        Parallel.forRange(w.count(), (long) w.count() * w.length(), (from, to) -> {
            for (int j = from; j < to; j++) {
                w.layout().dequantize(w.packed(), w.pOff() + j * vb, w.scales(), w.sOff() + j * ns, w.groupSize(), w.length(), out, oOff + j * w.length());
            }
        });
    }

    /** Rows per {@code dotMany} call: decode calls it with tens of rows, and the JIT compiles it for calls, not for one long loop. */
    static final int MATVEC_BLOCK = 64;

    /**
     * Rows in parallel, in blocks of {@link #MATVEC_BLOCK}; a row's result does not depend on the split, so this
     * is one {@code dotMany} over all rows bit for bit.
     */
    @Override
    public void matvec(PackedRows w, float[] x, int xOff, float[] out, int oOff) {
        java.util.Objects.checkFromIndexSize(oOff, w.count(), out.length);
        Parallel.forRange(w.count(), (long) w.count() * w.length(), (from, to) -> {
            for (int b = from; b < to; b += MATVEC_BLOCK) {
                PackedRows s = w.slice(b, Math.min(MATVEC_BLOCK, to - b));
                s.layout().dotMany(s.count(), s.packed(), s.pOff(), s.scales(), s.sOff(), s.groupSize(), s.length(), x, xOff, out, oOff + b);
            }
        });
    }

    /**
     * 2/3/4-bit rows with a group size of 32·k on a 16-lane machine: repacked once into {@link BitPlaneLut}'s
     * table-lookup layout, one slice of rows per thread (each slice builds its own tables from x); otherwise the
     * rows as they are. The table kernel rounds differently from {@link #matvec} (within the same parity budget).
     */
    @Override
    public PreparedMatvec prepareMatvec(PackedRows w) {
        if (!BitPlaneLut.pays(w.layout(), w.groupSize(), w.count(), BitPlaneLut.Direction.DOT)) return ComputeBackend.super.prepareMatvec(w);
        int slices = Math.max(1, Math.min(Parallel.threads(), w.count() / 32));
        BitPlaneLut[] lut = new BitPlaneLut[slices];
        int[] first = new int[slices + 1];
        for (int i = 0; i <= slices; i++) first[i] = (int) ((long) w.count() * i / slices) / 16 * 16;
        first[slices] = w.count();
        Parallel.forRange(slices, (long) w.count() * w.length(), (from, to) -> {
            for (int i = from; i < to; i++) {
                PackedRows s = w.slice(first[i], first[i + 1] - first[i]);
                lut[i] = BitPlaneLut.repack(BitPlaneLut.Direction.DOT, s.layout(), s.count(), s.length(), s.groupSize(), s.packed(), s.pOff(), s.scales(), s.sOff());
            }
        });
        long work = (long) w.count() * w.length();
        return new PreparedMatvec() {
            @Override
            public void apply(float[] x, int xOff, float[] out, int oOff) {
                java.util.Objects.checkFromIndexSize(oOff, w.count(), out.length);
                Parallel.forRange(slices, work, (from, to) -> {
                    for (int i = from; i < to; i++) lut[i].dotMany(x, xOff, out, oOff + first[i]);
                });
            }

            @Override
            public String form() {
                return "bit-plane tables (" + w.bits() + "-bit, " + slices + " slices)";
            }
        };
    }

    /** One {@code axpyMany}: its tiles over y and its order over the rows fix the rounding, so it is not split. */
    @Override
    public void matvecTransposed(PackedRows w, float[] alpha, int aOff, float[] y, int yOff) {
        w.layout().axpyMany(w.count(), alpha, aOff, w.packed(), w.pOff(), w.scales(), w.sOff(), w.groupSize(), w.length(), y, yOff);
    }

    @Override
    public void matmul(float[] w, int out, int in, float[] x, int n, float[] y) {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) throw new UnsupportedOperationException("F32 views need a little-endian CPU");
        if (w.length < (long) out * in) throw new IllegalArgumentException("W has " + w.length + " values, not (" + out + ", " + in + ")");
        // W viewed in place (a heap segment of floats reads as F32 little-endian on this platform's byte order)
        MemorySegment seg = MemorySegment.ofArray(w).asSlice(0, 4L * out * in);
        MatMul.matmul(new Tensor("W", DType.F32, new long[] {out, in}, seg), x, n, y);
    }

    /** The BLAS/LAPACK instance itself, so a decomposition through this backend is the one it always was. */
    @Override
    public SpectralCompute spectral() {
        return SpectralCompute.cpu();
    }
}
