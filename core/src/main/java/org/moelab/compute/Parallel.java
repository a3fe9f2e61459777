package org.moelab.compute;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

/**
 * Splits index ranges over all cores. Small work runs on the calling thread: a fork costs a few
 * microseconds, more than a 64×64 matvec, and decode is made of many small ones.
 */
public final class Parallel {

    /** Multiply-adds below which splitting does not pay. */
    public static final long MIN_PARALLEL_WORK = 1L << 15;

    private static final int THREADS = Integer.getInteger("moelab.threads", Runtime.getRuntime().availableProcessors());
    private static final ForkJoinPool POOL = THREADS > 1 ? new ForkJoinPool(THREADS) : null;

    /** A body over the half-open range [from, to). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int from, int to);
    }

    private Parallel() {
    }

    public static int threads() {
        return THREADS;
    }

    /** Runs {@code body} over [0, n), split into at most {@link #threads()} chunks when {@code work} is large. */
    public static void forRange(int n, long work, RangeBody body) {
        int chunks = (int) Math.min(Math.min(THREADS, n), Math.max(1, work / MIN_PARALLEL_WORK));
        if (chunks <= 1 || POOL == null || ForkJoinTask.inForkJoinPool()) {
            body.run(0, n);
            return;
        }
        POOL.invoke(new RecursiveAction() {
            @Override
            protected void compute() {
                ForkJoinTask<?>[] tasks = new ForkJoinTask<?>[chunks - 1];
                for (int c = 1; c < chunks; c++) {
                    int from = (int) ((long) n * c / chunks);
                    int to = (int) ((long) n * (c + 1) / chunks);
                    tasks[c - 1] = ForkJoinTask.adapt(() -> body.run(from, to)).fork();
                }
                body.run(0, (int) ((long) n / chunks));
                for (ForkJoinTask<?> t : tasks) t.join();
            }
        });
    }
}
