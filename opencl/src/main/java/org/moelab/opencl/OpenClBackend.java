package org.moelab.opencl;

import com.aparapi.device.Device;
import com.aparapi.device.OpenCLDevice;
import org.moelab.compute.ComputeBackend;
import org.moelab.compute.PackedRows;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@link ComputeBackend} on OpenCL through Aparapi. Device: the first OpenCL GPU, else an accelerator, else the
 * first CPU device (pocl). Automatic selection takes it only on a GPU or accelerator: on an OpenCL CPU device the
 * Vector API backend is faster, so there it runs only when asked for ({@code -Dmoelab.compute=opencl}), as a
 * correctness path. Kernels run on {@link Repacked} arrays; a repack is cached per {@link PackedRows} (by array
 * identity, the project's arrays being immutable once packed). Aparapi's Java-thread-pool fallback is refused
 * ({@link DeviceLaunch}). Calls are serialised.
 */
public final class OpenClBackend implements ComputeBackend {

    public static final String NAME = "opencl";
    private static final String INSTALL = "on Debian/Ubuntu install pocl-opencl-icd ocl-icd-libopencl1 (./moelab setup does)";

    private Probe probe;
    private OpenCLDevice device;
    private final DequantKernel dequant = new DequantKernel();
    private final MatVecKernel matvec = new MatVecKernel();
    private final MatVecTransposedKernel matvecT = new MatVecTransposedKernel();
    private final GramKernel gram = new GramKernel();
    private final MatMulKernel matmul = new MatMulKernel();
    private final Map<PackedRows, Repacked> repacked = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<PackedRows, Repacked> e) {
            return size() > 4;
        }
    };

    /** Public for {@link java.util.ServiceLoader}; touches no device until {@link #probe()}. */
    public OpenClBackend() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public synchronized Probe probe() {
        if (probe == null) probe = look();
        return probe;
    }

    private Probe look() {
        OpenClProbe.Result r = OpenClProbe.probe();
        if (!r.usable()) return new Probe(false, false, "none", r.message() + "; " + INSTALL);
        List<OpenCLDevice> gpus = new ArrayList<>();
        List<OpenCLDevice> cpus = new ArrayList<>();
        try {
            gpus.addAll(OpenCLDevice.listDevices(Device.TYPE.GPU));
            gpus.addAll(OpenCLDevice.listDevices(Device.TYPE.ACC));
            cpus.addAll(OpenCLDevice.listDevices(Device.TYPE.CPU));
        } catch (Throwable t) { // Aparapi's native library failing to load surfaces as an Error
            return new Probe(false, false, "none", "Aparapi could not list OpenCL devices: " + t + "; " + INSTALL);
        }
        if (!gpus.isEmpty()) {
            device = gpus.getFirst();
            return new Probe(true, true, DeviceLaunch.describe(device), "an OpenCL GPU/accelerator is present");
        }
        if (!cpus.isEmpty()) {
            device = cpus.getFirst();
            return new Probe(true, false, DeviceLaunch.describe(device), "the only OpenCL device is a CPU, where the Vector API"
                    + " backend is faster; runs only with -Dmoelab.compute=opencl (a correctness path)");
        }
        return new Probe(false, false, "none", r.message() + ", but Aparapi lists no OpenCL device; " + INSTALL);
    }

    /** The device kernels run on; throws when the probe found none. */
    synchronized OpenCLDevice device() {
        Probe p = probe();
        if (!p.usable()) throw new IllegalStateException("no OpenCL device: " + p.reason());
        return device;
    }

    /** The repacked form of {@code w}, cached. */
    synchronized Repacked repack(PackedRows w) {
        return repacked.computeIfAbsent(w, Repack::of);
    }

    @Override
    public void addGramOfColumns(float[] a, int rows, int cols, double[] g) {
        checkGram(a, rows, cols, g, cols);
        gram(a, cols, rows, 1, cols, g);
    }

    @Override
    public void addGramOfRows(float[] a, int rows, int cols, double[] g) {
        checkGram(a, rows, cols, g, rows);
        gram(a, rows, cols, cols, 1, g);
    }

    private synchronized void gram(float[] a, int order, int depth, int si, int sk, double[] g) {
        if (order == 0) return;
        gram.a = a.length == 0 ? new float[1] : a;
        gram.g = g;
        gram.order = order;
        gram.depth = depth;
        gram.si = si;
        gram.sk = sk;
        DeviceLaunch.run(gram, device(), Math.multiplyExact(order, order), "Gram (" + order + "x" + order + ", depth " + depth + ")");
    }

    @Override
    public synchronized void dequantize(PackedRows w, float[] out, int oOff) {
        int total = Math.multiplyExact(w.count(), w.length());
        Objects.checkFromIndexSize(oOff, total, out.length);
        if (w.bits() == 0) { // no codes: the values are 0 without a kernel
            java.util.Arrays.fill(out, oOff, oOff + total, 0f);
            return;
        }
        dequant.bind(repack(w));
        dequant.out = out;
        dequant.outOff = oOff;
        dequant.total = total;
        DeviceLaunch.run(dequant, device(), total, "dequantize (" + w.bits() + "-bit)");
    }

    @Override
    public synchronized void matvec(PackedRows w, float[] x, int xOff, float[] out, int oOff) {
        Objects.checkFromIndexSize(xOff, w.length(), x.length);
        Objects.checkFromIndexSize(oOff, w.count(), out.length);
        if (w.bits() == 0 || w.length() == 0) {
            java.util.Arrays.fill(out, oOff, oOff + w.count(), 0f);
            return;
        }
        matvec.bind(repack(w));
        matvec.x = x;
        matvec.xOff = xOff;
        matvec.out = out;
        matvec.outOff = oOff;
        matvec.count = w.count();
        DeviceLaunch.run(matvec, device(), w.count(), "matvec (" + w.bits() + "-bit)");
    }

    @Override
    public synchronized void matvecTransposed(PackedRows w, float[] alpha, int aOff, float[] y, int yOff) {
        Objects.checkFromIndexSize(aOff, w.count(), alpha.length);
        Objects.checkFromIndexSize(yOff, w.length(), y.length);
        if (w.bits() == 0 || w.count() == 0) return; // adds 0
        matvecT.bind(repack(w));
        matvecT.alpha = alpha;
        matvecT.aOff = aOff;
        matvecT.y = y;
        matvecT.yOff = yOff;
        matvecT.count = w.count();
        DeviceLaunch.run(matvecT, device(), w.length(), "matvec transposed (" + w.bits() + "-bit)");
    }

    @Override
    public synchronized void matmul(float[] w, int out, int in, float[] x, int n, float[] y) {
        if (w.length < (long) out * in || x.length < (long) n * in || y.length < (long) n * out) {
            throw new IllegalArgumentException("matmul buffers too small for W (" + out + ", " + in + "), n = " + n);
        }
        if (in == 0) {
            java.util.Arrays.fill(y, 0, n * out, 0f);
            return;
        }
        matmul.w = w;
        matmul.x = x;
        matmul.y = y;
        matmul.n = n;
        matmul.out = out;
        matmul.in = in;
        DeviceLaunch.run(matmul, device(), Math.multiplyExact(n, out), "matmul (" + n + "x" + in + " by " + out + "x" + in + ")");
    }

    private static void checkGram(float[] a, int rows, int cols, double[] g, int order) {
        if (a.length != (long) rows * cols) throw new IllegalArgumentException("matrix has " + a.length + " values, not " + rows + "×" + cols);
        if (g.length != (long) order * order) throw new IllegalArgumentException("Gram accumulator is not (" + order + ", " + order + ")");
    }
}
