package org.moelab.cli;

import dev.ludovic.netlib.blas.BLAS;
import org.moelab.bench.StreamBandwidth;
import org.moelab.compute.ComputeBackend;
import org.moelab.compute.ComputeBackends;
import org.moelab.compute.PackedRows;
import org.moelab.linalg.GramPrecision;
import org.moelab.linalg.SpectralCompute;
import org.moelab.quant.PackedLayout;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code bench kernels}: the compute kernels against this machine's limits, measured in one run. Copy bandwidth
 * (STREAM-like) is the yardstick of the memory-bound kernels: dequantize (bytes read + written, target ≥ 70 %) and
 * the fused dequant-matvec (packed bytes streamed, target ≥ 60 %); the Gram (SYRK) is compared with OpenBLAS sgemm
 * computing the same AᵀA (target ≥ 80 %). With the opencl module on the class path and an OpenCL device, the same
 * kernels run there too and the ratios OpenCL / chosen are reported (no target). Best of --runs after one warm-up.
 */
@Command(name = "kernels", mixinStandardHelpOptions = true,
        header = "Compute kernels vs copy bandwidth and OpenBLAS sgemm, and OpenCL vs the Vector API, in one run.",
        description = {"Compute kernels vs this machine's copy bandwidth and OpenBLAS sgemm, and OpenCL vs the Vector API,",
                "all measured in one run (targets: dequantize >= 70 %%, fused matvec >= 60 %% of copy bandwidth, Gram >= 80 %% of sgemm)."})
final class BenchKernelsCommand implements Runnable {

    private static final int[] WIDTHS = {1, 2, 3, 4, 8, 16};
    private static final int[] MATVEC_WIDTHS = {2, 3, 4};
    private static final int LENGTH = 4096; // elements per packed row (a hidden size)
    private static final int GROUP = 128;

    @Option(names = "--stream-mib", description = "Size of each STREAM copy array in MiB (default ${DEFAULT-VALUE}).")
    int streamMib = 512;

    @Option(names = "--dequant-melements", description = "Elements dequantized per layout, in millions; output is 4 bytes each (default ${DEFAULT-VALUE}).")
    int dequantMega = 64;

    @Option(names = "--matvec-mib", description = "Packed weights of the fused matvec, in MiB per width (default ${DEFAULT-VALUE}).")
    int matvecMib = 128;

    @Option(names = "--gram", description = "Gram shape rows x cols of A (default ${DEFAULT-VALUE}).")
    String gram = "8192x1024";

    @Option(names = "--runs", description = "Timed runs per kernel; the best is reported (default ${DEFAULT-VALUE}).")
    int runs = 5;

    @Option(names = "--no-opencl", description = "Skip the OpenCL comparison even when the opencl backend is present.")
    boolean noOpencl;

    @Option(names = "--json", description = "Print one JSON line with every number.")
    boolean json;

    @Override
    public void run() {
        if (runs < 1 || streamMib < 1 || dequantMega < 1 || matvecMib < 1) throw new IllegalArgumentException("--runs, --stream-mib, --dequant-melements and --matvec-mib must be >= 1");
        int[] gs = parseShape(gram);
        ComputeBackend chosen = ComputeBackends.chosen();
        ComputeBackend cl = noOpencl ? null : openclOrNull(chosen);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("backend", chosen.name());
        out.put("device", chosen.probe().device());
        out.put("opencl_device", cl == null ? "not measured" : cl.probe().device());
        out.put("threads", org.moelab.compute.Parallel.threads());
        Log.info("copy bandwidth (2 x %d MiB)...", streamMib);
        double bw = StreamBandwidth.measure((long) streamMib << 20, 5).bytesPerSecond();
        out.put("copy_gb_per_s", gb(bw));

        List<Map<String, Object>> dequant = new ArrayList<>();
        for (int b : WIDTHS) {
            PackedRows w = randomRows(b, (int) Math.max(1, ((long) dequantMega << 20) / LENGTH), 7L * b);
            Log.info("dequantize %d-bit: %d x %d elements...", b, w.count(), LENGTH);
            float[] dst = new float[w.count() * LENGTH];
            double t = best(() -> chosen.dequantize(w, dst, 0));
            long bytes = w.streamedBytes() + 4L * dst.length;
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("bits", b);
            row.put("gb_per_s", gb(bytes / t));
            row.put("vs_copy", ratio(bytes / t / bw));
            row.put("target_met", bytes / t / bw >= 0.70);
            if (cl != null) row.put("opencl_vs_chosen", ratio(t / best(() -> cl.dequantize(w, dst, 0))));
            dequant.add(row);
        }
        out.put("dequantize", dequant);

        List<Map<String, Object>> matvec = new ArrayList<>();
        for (int b : MATVEC_WIDTHS) {
            int rows = (int) (((long) matvecMib << 20) / PackedLayout.forBits(b).bytes(LENGTH));
            PackedRows w = randomRows(b, rows, 11L * b);
            Log.info("fused dequant-matvec %d-bit: (%d, %d), %d MiB packed...", b, rows, LENGTH, w.streamedBytes() >> 20);
            float[] x = new float[LENGTH];
            for (int i = 0; i < LENGTH; i++) x[i] = (float) Math.sin(i);
            float[] y = new float[rows];
            ComputeBackend.PreparedMatvec prepared = chosen.prepareMatvec(w);
            double t = best(() -> prepared.apply(x, 0, y, 0));
            double tLayout = best(() -> chosen.matvec(w, x, 0, y, 0));
            // effective rate: the CPU layout's packed bytes (payload + fp16 scales) per second, whatever form runs
            double rate = w.streamedBytes() / t;
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("bits", b);
            row.put("packed_mib", w.streamedBytes() >> 20);
            row.put("form", prepared.form());
            row.put("gb_per_s", gb(rate));
            row.put("vs_copy", ratio(rate / bw));
            row.put("target_met", rate / bw >= 0.60);
            row.put("layout_kernel_vs_copy", ratio(w.streamedBytes() / tLayout / bw));
            if (cl != null) row.put("opencl_vs_chosen", ratio(t / best(() -> cl.matvec(w, x, 0, y, 0))));
            matvec.add(row);
        }
        out.put("matvec", matvec);

        out.put("gram", gram(chosen, null, gs[0], gs[1]));
        if (cl != null) {
            // the naive device Gram is slow on a CPU device: compare on a smaller A, both backends on the same one
            out.put("gram_small", gram(chosen, cl, Math.min(gs[0], 2048), Math.min(gs[1], 512)));
            float[] w = new float[2048 * 2048];
            float[] x = new float[64 * 2048];
            for (int i = 0; i < w.length; i++) w[i] = (float) Math.cos(i);
            for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i);
            float[] y = new float[64 * 2048];
            Log.info("batched matmul (64, 2048) x (2048, 2048)...");
            double tc = best(() -> chosen.matmul(w, 2048, 2048, x, 64, y));
            double to = best(() -> cl.matmul(w, 2048, 2048, x, 64, y));
            Map<String, Object> mm = new LinkedHashMap<>();
            mm.put("gflop_per_s", gb(2.0 * 64 * 2048 * 2048 / tc));
            mm.put("opencl_gflop_per_s", gb(2.0 * 64 * 2048 * 2048 / to));
            mm.put("opencl_vs_chosen", ratio(tc / to));
            out.put("matmul", mm);
        }
        if (json) {
            Json.print(out);
            return;
        }
        print(out);
    }

    private Map<String, Object> gram(ComputeBackend chosen, ComputeBackend cl, int rows, int cols) {
        Log.info("Gram AᵀA of A (%d, %d): %s vs sgemm...", rows, cols, chosen.name());
        float[] a = new float[rows * cols];
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < a.length; i++) a[i] = (float) (r.nextDouble() - 0.5);
        double[] g = new double[cols * cols];
        float[] c = new float[cols * cols];
        double tGram = best(() -> chosen.addGramOfColumns(a, rows, cols, g));
        // row-major A (rows, cols) is column-major X = Aᵀ (cols, rows); AᵀA = X·Xᵀ
        double tGemm = best(() -> BLAS.getInstance().sgemm("N", "T", cols, cols, rows, 1f, a, cols, a, cols, 0f, c, cols));
        double syrkFlops = (double) cols * (cols + 1) * rows;
        double gemmFlops = 2.0 * cols * cols * rows;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("shape", rows + "x" + cols);
        m.put("gflop_per_s", gb(syrkFlops / tGram));
        m.put("sgemm_gflop_per_s", gb(gemmFlops / tGemm));
        m.put("vs_sgemm_gflops", ratio(syrkFlops / tGram / (gemmFlops / tGemm)));
        m.put("vs_sgemm_time", ratio(tGemm / tGram));
        m.put("target_met", syrkFlops / tGram / (gemmFlops / tGemm) >= 0.80);
        m.put("precision", chosen.gramPrecision().name().toLowerCase(java.util.Locale.ROOT));
        if (chosen.gramPrecision() != GramPrecision.DOUBLE) {
            SpectralCompute dbl = SpectralCompute.cpu(GramPrecision.DOUBLE);
            m.put("double_syrk_gflop_per_s", gb(syrkFlops / best(() -> dbl.addGramOfColumns(a, rows, cols, g))));
        }
        if (cl != null) m.put("opencl_vs_chosen", ratio(tGram / best(() -> cl.addGramOfColumns(a, rows, cols, g))));
        return m;
    }

    private static ComputeBackend openclOrNull(ComputeBackend chosen) {
        ComputeBackend cl = ComputeBackends.byName("opencl");
        if (cl == null) {
            Log.info("no opencl backend on the class path (build the opencl module: ./moelab setup); OpenCL not measured");
            return null;
        }
        if (!cl.probe().usable()) {
            Log.info("opencl backend unusable here (%s); OpenCL not measured", cl.probe().reason());
            return null;
        }
        return cl.name().equals(chosen.name()) ? null : cl;
    }

    private double best(Runnable body) {
        // warm-up, at least 2 s: page faults, OpenCL compile and repack, and the JIT's optimizing tier, which a loaded
        // machine reaches late (the Vector API kernels are 100x slower before it compiles them)
        long w0 = System.nanoTime();
        for (int k = 0; k < 50 && (k == 0 || System.nanoTime() - w0 < 2_000_000_000L); k++) body.run();
        double best = Double.MAX_VALUE;
        for (int k = 0; k < runs; k++) {
            long t0 = System.nanoTime();
            body.run();
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return best;
    }

    /**
     * count rows of LENGTH elements: random bytes are valid codes of every scaled layout (LENGTH·b is a whole number
     * of bytes, so no padding bits); fp16 halves keep exponents below 16 (finite); scales in [2^−8, 2^−6).
     */
    private static PackedRows randomRows(int bits, int count, long seed) {
        PackedLayout l = PackedLayout.forBits(bits);
        SplittableRandom r = new SplittableRandom(seed);
        byte[] p = new byte[Math.toIntExact(count * l.bytes(LENGTH))];
        r.nextBytes(p);
        if (bits == 16) for (int i = 1; i < p.length; i += 2) p[i] &= (byte) 0xBB;
        short[] s = new short[count * l.scaleCount(LENGTH, GROUP)];
        for (int i = 0; i < s.length; i++) s[i] = Float.floatToFloat16((float) Math.scalb(1 + r.nextDouble(), -8 + r.nextInt(2)));
        return PackedRows.of(l, count, LENGTH, GROUP, p, s);
    }

    @SuppressWarnings("unchecked")
    private static void print(Map<String, Object> out) {
        System.out.printf("backend %s: %s%nopencl: %s%ncopy bandwidth %s GB/s (%s threads)%n%n", out.get("backend"), out.get("device"),
                out.get("opencl_device"), out.get("copy_gb_per_s"), out.get("threads"));
        System.out.printf("%-26s %10s %9s %7s %12s%n", "kernel", "GB/s", "vs copy", "target", "OpenCL/chosen");
        for (Map<String, Object> r : (List<Map<String, Object>>) out.get("dequantize")) {
            System.out.printf("%-26s %10s %9s %7s %12s%n", "dequantize " + r.get("bits") + "-bit", r.get("gb_per_s"), r.get("vs_copy"),
                    mark(r, ">=0.70"), r.getOrDefault("opencl_vs_chosen", "-"));
        }
        for (Map<String, Object> r : (List<Map<String, Object>>) out.get("matvec")) {
            System.out.printf("%-26s %10s %9s %7s %12s   %s; the layout's fused kernel: %s of copy%n", "fused matvec " + r.get("bits") + "-bit",
                    r.get("gb_per_s"), r.get("vs_copy"), mark(r, ">=0.60"), r.getOrDefault("opencl_vs_chosen", "-"), r.get("form"),
                    r.get("layout_kernel_vs_copy"));
        }
        Map<String, Object> g0 = (Map<String, Object>) out.get("gram");
        System.out.printf("%n%-26s %10s %9s %9s %7s %12s%n", "Gram AᵀA (" + (g0 == null ? "?" : g0.get("precision")) + " SYRK)", "GFLOP/s", "sgemm",
                "vs sgemm", "target", "OpenCL/chosen");
        for (String k : List.of("gram", "gram_small")) {
            Map<String, Object> g = (Map<String, Object>) out.get(k);
            if (g == null) continue;
            System.out.printf("%-26s %10s %9s %9s %7s %12s%n", "A " + g.get("shape"), g.get("gflop_per_s"), g.get("sgemm_gflop_per_s"),
                    g.get("vs_sgemm_gflops"), mark(g, ">=0.80"), g.getOrDefault("opencl_vs_chosen", "-"));
        }
        Map<String, Object> mm = (Map<String, Object>) out.get("matmul");
        if (mm != null) {
            System.out.printf("%n%-26s %10s GFLOP/s, OpenCL %s GFLOP/s, OpenCL/chosen %s%n", "matmul (64,2048)x(2048,2048)",
                    mm.get("gflop_per_s"), mm.get("opencl_gflop_per_s"), mm.get("opencl_vs_chosen"));
        }
        System.out.println("\nvs sgemm: GFLOP/s ratio, SYRK counting cols·(cols+1)·rows, sgemm 2·cols²·rows (it computes both triangles)");
        if (g0 != null && g0.containsKey("double_syrk_gflop_per_s")) {
            System.out.println("Gram precision " + g0.get("precision") + " (-Dmoelab.gram=float|double); the double SYRK on A " + g0.get("shape")
                    + ": " + g0.get("double_syrk_gflop_per_s") + " GFLOP/s");
        }
    }

    private static String mark(Map<String, Object> r, String target) {
        return (Boolean.TRUE.equals(r.get("target_met")) ? "met " : "MISS ") + target;
    }

    private static int[] parseShape(String s) {
        String[] p = s.toLowerCase().split("x");
        if (p.length != 2) throw new IllegalArgumentException("--gram wants ROWSxCOLS, got " + s);
        return new int[] {Integer.parseInt(p[0].trim()), Integer.parseInt(p[1].trim())};
    }

    private static double gb(double perSecond) {
        return Math.round(perSecond / 1e9 * 100) / 100.0;
    }

    private static double ratio(double r) {
        return Math.round(r * 1000) / 1000.0;
    }
}
