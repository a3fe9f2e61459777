package org.moelab.bench;

import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * A STREAM-like copy ({@code a[i] = b[i]}) over arrays far larger than the last-level cache, on all
 * cores, counting bytes read + written. The best of several passes is the machine's sustainable
 * bandwidth, the denominator of every roofline this project reports.
 */
public final class StreamBandwidth {

    /** @param bytesPerSecond best observed; {@code arrayBytes} size of each of the two arrays */
    public record Result(double bytesPerSecond, long arrayBytes, int threads, int passes) {
        public double gbPerSecond() {
            return bytesPerSecond / 1e9;
        }
    }

    private StreamBandwidth() {
    }

    public static Result measure(long arrayBytes, int passes) {
        int n = Math.toIntExact(arrayBytes / 4);
        float[] a = new float[n];
        float[] b = new float[n];
        int threads = Runtime.getRuntime().availableProcessors();
        ForkJoinPool pool = new ForkJoinPool(threads);
        try {
            pool.submit(() -> IntStream.range(0, threads).parallel().forEach(t -> {
                for (int i = chunk(n, threads, t); i < chunk(n, threads, t + 1); i++) b[i] = i;
            })).join();
            double best = 0;
            for (int p = 0; p < passes; p++) {
                long t0 = System.nanoTime();
                pool.submit(() -> IntStream.range(0, threads).parallel().forEach(t -> {
                    int from = chunk(n, threads, t);
                    System.arraycopy(b, from, a, from, chunk(n, threads, t + 1) - from);
                })).join();
                double secs = (System.nanoTime() - t0) / 1e9;
                best = Math.max(best, 2.0 * 4 * n / secs);
            }
            if (a[n - 1] != n - 1) throw new IllegalStateException("copy check failed");
            return new Result(best, 4L * n, threads, passes);
        } finally {
            pool.shutdown();
        }
    }

    private static int chunk(int n, int parts, int i) {
        return (int) ((long) n * i / parts);
    }
}
