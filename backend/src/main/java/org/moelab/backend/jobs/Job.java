package org.moelab.backend.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import org.moelab.backend.api.ApiError;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;

/**
 * One piece of slow work. The worker thread reports progress ({@link #update}); readers take consistent
 * snapshots ({@link #view}) or wait for the next change ({@link #awaitChange}). Every change bumps {@code seq},
 * so SSE readers send changes in order and a slow reader simply skips to the latest: the worker never waits
 * for a reader. A cancel request is honoured at the worker's next progress report (a layer or step boundary).
 */
public final class Job {

    public enum State {
        QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED;

        public boolean terminal() {
            return this == SUCCEEDED || this == FAILED || this == CANCELLED;
        }

        public String json() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A stage's share of the whole job: overall fraction = start + weight × the stage's own fraction. */
    public record StageWeight(String prefix, double start, double weight) {
    }

    final String id;
    final String kind;
    final String model;
    final JsonNode request;
    final Instant createdAt;
    private final List<StageWeight> stages;

    private State state = State.QUEUED;
    private String stage = "queued";
    private long done;
    private long total;
    private double fraction;
    private Double eta;
    private Instant startedAt;
    private Instant finishedAt;
    private ApiError error;
    private JsonNode result;
    private boolean cancelRequested;
    private long seq;
    private long persistedAt;
    private String persistedStage;

    Job(String id, String kind, String model, JsonNode request, List<StageWeight> stages) {
        this(id, kind, model, request, stages, Instant.now());
    }

    Job(String id, String kind, String model, JsonNode request, List<StageWeight> stages, Instant createdAt) {
        this.id = id;
        this.kind = kind;
        this.model = model;
        this.request = request;
        this.stages = stages;
        this.createdAt = createdAt;
    }

    public String id() {
        return id;
    }

    public String model() {
        return model;
    }

    public synchronized State state() {
        return state;
    }

    public synchronized JsonNode result() {
        return result;
    }

    synchronized void start() {
        state = State.RUNNING;
        startedAt = Instant.now();
        stage = "starting";
        changed();
    }

    /** The worker's progress report; throws CancellationException once a cancel was requested. */
    void update(String stageName, long stageDone, long stageTotal) {
        synchronized (this) {
            if (!cancelRequested) {
                stage = stageName;
                done = stageDone;
                total = stageTotal;
                double within = stageTotal > 0 ? Math.min(1, (double) stageDone / stageTotal) : 0;
                for (StageWeight w : stages) {
                    if (stageName.startsWith(w.prefix())) {
                        fraction = Math.max(fraction, Math.min(1, w.start() + w.weight() * within));
                        break;
                    }
                }
                double elapsed = Duration.between(startedAt, Instant.now()).toNanos() / 1e9;
                eta = fraction > 0.01 ? elapsed * (1 - fraction) / fraction : null;
                changed();
            }
        }
        checkCancelled();
    }

    synchronized void checkCancelled() {
        if (cancelRequested) throw new CancellationException("job " + id + " cancelled");
    }

    /** Asks the worker to stop; false when the job has already finished. */
    synchronized boolean requestCancel() {
        if (state.terminal()) return false;
        cancelRequested = true;
        changed();
        return true;
    }

    synchronized boolean cancelRequested() {
        return cancelRequested;
    }

    synchronized void finish(State end, JsonNode res, ApiError err) {
        state = end;
        result = res;
        error = err;
        finishedAt = Instant.now();
        if (end == State.SUCCEEDED) {
            fraction = 1;
            stage = "done";
        }
        eta = end == State.SUCCEEDED ? 0.0 : null;
        changed();
    }

    private void changed() {
        seq++;
        notifyAll();
    }

    /** Waits up to {@code millis} for a change after {@code seenSeq}; returns the current view either way. */
    synchronized JobView awaitChange(long seenSeq, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (seq == seenSeq && !state.terminal()) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) break;
            wait(left);
        }
        return view();
    }

    /** Whether the record should be written now: on a stage change, at most every 2 s otherwise. */
    synchronized boolean persistDue() {
        long now = System.nanoTime();
        if (!stage.equals(persistedStage) || now - persistedAt > 2_000_000_000L) {
            persistedStage = stage;
            persistedAt = now;
            return true;
        }
        return false;
    }

    public synchronized JobView view() {
        Map<String, String> links = new LinkedHashMap<>();
        links.put("self", "/v1/jobs/" + id);
        links.put("events", "/v1/jobs/" + id + "/events");
        links.put("result", "/v1/jobs/" + id + "/result");
        Instant end = finishedAt != null ? finishedAt : Instant.now();
        Double elapsed = startedAt == null ? null : Duration.between(startedAt, end).toNanos() / 1e9;
        return new JobView(id, kind, model, state.json(), stage, done, total, fraction, eta, cancelRequested,
                str(createdAt), str(startedAt), str(finishedAt), elapsed, error, request, links, seq);
    }

    /** A job read back from its record; one that was running when the backend stopped is marked failed. */
    static Job restore(JobRecord r) {
        JobView v = r.job();
        Job j = new Job(v.id(), v.kind(), v.model(), v.request(), List.of(), Instant.parse(v.createdAt()));
        State s = State.valueOf(v.state().toUpperCase(Locale.ROOT));
        j.stage = v.stage();
        j.done = v.done();
        j.total = v.total();
        j.fraction = v.fraction();
        j.startedAt = v.startedAt() == null ? null : Instant.parse(v.startedAt());
        j.finishedAt = v.finishedAt() == null ? null : Instant.parse(v.finishedAt());
        j.error = v.error();
        j.result = r.result();
        j.cancelRequested = v.cancelRequested();
        j.state = s;
        if (!s.terminal()) {
            j.state = State.FAILED;
            j.finishedAt = Instant.now();
            j.error = ApiError.of("interrupted", "backend_restarted", "the backend stopped while this job was " + v.state()
                    + " (stage " + v.stage() + "); nothing it wrote was kept; submit it again");
        }
        j.seq = 1;
        return j;
    }

    synchronized JobRecord record() {
        return new JobRecord(view(), result);
    }

    private static String str(Instant t) {
        return t == null ? null : t.toString();
    }
}
