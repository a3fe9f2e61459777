package org.moelab.compute;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Splits index ranges over all cores with a team of spinning workers. Decode is a stream of small
 * matvecs (tens of microseconds each); parking and waking threads per call, as a fork/join pool does,
 * costs as much as the work. Workers therefore spin briefly between calls and park only when idle.
 * Nested calls (from inside a parallel body) run on the calling thread. Calls from several threads
 * at once are serialised on the team; the team is shared by the whole JVM.
 */
public final class Parallel {

    /** Multiply-adds below which splitting does not pay. */
    public static final long MIN_PARALLEL_WORK = Long.getLong("moelab.parallelMinWork", 1L << 13);

    private static final int THREADS = Math.max(1, Integer.getInteger("moelab.threads", Runtime.getRuntime().availableProcessors()));
    /** How long an idle worker spins before parking (nanoseconds). */
    private static final long SPIN_NANOS = Long.getLong("moelab.spinNanos", 200_000L);
    private static final Team TEAM = THREADS > 1 ? new Team(THREADS - 1) : null;
    private static final ThreadLocal<Boolean> INSIDE = ThreadLocal.withInitial(() -> false);

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
        if (chunks <= 1 || TEAM == null || INSIDE.get()) {
            body.run(0, n);
            return;
        }
        TEAM.run(n, chunks, body);
    }

    /** A body over one index. */
    @FunctionalInterface
    public interface IndexBody {
        void run(int i);
    }

    /**
     * Runs {@code body(i)} for each i in [0, n), each index taken by the next free thread, for a few items of
     * uneven size (list the largest first); on the calling thread alone when {@code work} is small.
     */
    public static void forEach(int n, long work, IndexBody body) {
        if (n <= 1 || TEAM == null || INSIDE.get() || work / MIN_PARALLEL_WORK < 2) {
            for (int i = 0; i < n; i++) body.run(i);
            return;
        }
        TEAM.run(n, n, (from, to) -> {
            for (int i = from; i < to; i++) body.run(i);
        });
    }

    /** One parallel call: immutable, with its own counters, so a late worker can never mix two calls. */
    private record Job(RangeBody body, int n, int chunks, AtomicInteger next, AtomicInteger pending, Throwable[] failure) {

        void work() {
            int c;
            while ((c = next.getAndIncrement()) < chunks) {
                try {
                    body.run((int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks));
                } catch (Throwable t) {
                    failure[0] = t;
                } finally {
                    pending.decrementAndGet();
                }
            }
        }
    }

    private static final class Team {
        private final Thread[] workers;
        private volatile Job job;

        Team(int size) {
            workers = new Thread[size];
            for (int i = 0; i < size; i++) {
                workers[i] = Thread.ofPlatform().daemon().name("moelab-compute-" + (i + 1)).unstarted(this::loop);
                workers[i].start();
            }
        }

        synchronized void run(int n, int chunks, RangeBody body) {
            Job j = new Job(body, n, chunks, new AtomicInteger(), new AtomicInteger(chunks), new Throwable[1]);
            job = j;
            for (Thread w : workers) LockSupport.unpark(w);
            INSIDE.set(true);
            try {
                j.work();
            } finally {
                INSIDE.set(false);
            }
            while (j.pending().get() > 0) Thread.onSpinWait();
            Throwable f = j.failure()[0];
            if (f instanceof RuntimeException re) throw re;
            if (f instanceof Error er) throw er;
            if (f != null) throw new IllegalStateException(f);
        }

        private void loop() {
            INSIDE.set(true);
            Job seen = null;
            while (true) {
                long spinStart = System.nanoTime();
                Job j;
                while ((j = job) == seen) {
                    if (System.nanoTime() - spinStart < SPIN_NANOS) Thread.onSpinWait();
                    else LockSupport.park(this);
                }
                seen = j;
                j.work();
            }
        }
    }
}
