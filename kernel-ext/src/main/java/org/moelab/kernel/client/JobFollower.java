package org.moelab.kernel.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.http.HttpMethod;
import org.moelab.kernel.MagicException;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Follows a backend job (GET /v1/jobs/{id}/events: {@code status}, {@code progress}, {@code heartbeat}, then
 * {@code done} or {@code error}) until it ends, handing each job view to a listener, and returns its result
 * (GET /v1/jobs/{id}/result). If the waiting thread is interrupted, the job is cancelled with DELETE
 * /v1/jobs/{id} before the wait gives up; {@link #cancelAll} (the kernel's interrupt) cancels from outside, and the
 * wait then ends with the backend's "cancelled" event.
 */
public final class JobFollower {

    /** Without an event for this long (the backend sends heartbeats every 10 s), the job is polled. */
    static final long QUIET_MS = 30_000;

    private final BackendClient client;
    private final Set<String> active = ConcurrentHashMap.newKeySet();
    private final Set<String> cancelled = ConcurrentHashMap.newKeySet();

    JobFollower(BackendClient client) {
        this.client = client;
    }

    /**
     * @param job      the job view the submitting call answered (202)
     * @param onUpdate called with every job view (state, stage, done, total, fraction, etaSeconds)
     * @return the job's result
     * @throws MagicException       when the job failed or was cancelled (the backend's message), or when the thread
     *                              was interrupted (after cancelling the job)
     */
    public JsonNode follow(JsonNode job, Consumer<JsonNode> onUpdate) throws InterruptedException {
        String id = job.path("id").asText(null);
        if (id == null) throw new MagicException("the backend answered without a job id: " + job);
        active.add(id);
        try {
            onUpdate.accept(job);
            JsonNode last = job;
            while (true) {
                try (EventStream s = client.stream(HttpMethod.GET, BackendClient.API + "/jobs/" + id + "/events", null)) {
                    while (true) {
                        SseEvent e = s.next(QUIET_MS);
                        if (e == null) {
                            if (!s.ended()) {
                                last = client.get(BackendClient.API + "/jobs/" + id); // a quiet stream: look ourselves
                                onUpdate.accept(last);
                                if (terminal(last)) return finish(id, last);
                                continue;
                            }
                            break; // the stream ended without done/error: reconnect below
                        }
                        switch (e.event()) {
                            case "status", "progress" -> {
                                last = BackendClient.parse(e.data());
                                if (last != null) onUpdate.accept(last);
                            }
                            case "done" -> {
                                JsonNode v = BackendClient.parse(e.data());
                                if (v != null) onUpdate.accept(v);
                                return client.get(BackendClient.API + "/jobs/" + id + "/result");
                            }
                            case "error" -> {
                                JsonNode d = BackendClient.parse(e.data());
                                JsonNode v = d == null ? null : d.get("job");
                                if (v != null) onUpdate.accept(v);
                                throw failed(id, v, d == null ? null : d.get("error"));
                            }
                            default -> { } // heartbeat
                        }
                    }
                }
                last = client.get(BackendClient.API + "/jobs/" + id);
                if (terminal(last)) return finish(id, last);
            }
        } catch (InterruptedException e) {
            // The flag stays cleared: the cell's thread goes on to publish output, and an interrupted thread would
            // break the kernel's ZeroMQ signalling (NIO channels close on interrupt).
            Thread.interrupted();
            cancelQuietly(id);
            throw new MagicException("interrupted: job " + id + " cancelled on the backend");
        } finally {
            active.remove(id);
            cancelled.remove(id);
        }
    }

    private JsonNode finish(String id, JsonNode view) throws InterruptedException {
        if ("succeeded".equals(view.path("state").asText())) return client.get(BackendClient.API + "/jobs/" + id + "/result");
        throw failed(id, view, view.get("error"));
    }

    private static boolean terminal(JsonNode v) {
        return switch (v.path("state").asText()) {
            case "succeeded", "failed", "cancelled" -> true;
            default -> false;
        };
    }

    private static MagicException failed(String id, JsonNode view, JsonNode error) {
        String state = view == null ? "failed" : view.path("state").asText("failed");
        String msg = error != null && error.hasNonNull("message") ? error.get("message").asText() : null;
        if ("cancelled".equals(state)) return new MagicException("job " + id + " was cancelled" + (msg == null ? "" : ": " + msg));
        return new MagicException("job " + id + " failed" + (msg == null ? "" : ": " + msg));
    }

    /** DELETE /v1/jobs/{id}; a job that is gone or a backend that is down leaves nothing to cancel. */
    void cancelQuietly(String id) {
        if (!cancelled.add(id)) return; // the interrupt handler and the interrupted thread both ask
        try {
            client.delete(BackendClient.API + "/jobs/" + id);
        } catch (InterruptedException | RuntimeException ignored) {
            // nothing more to do
        }
    }

    /** Cancels every job being followed. */
    public void cancelAll() {
        for (String id : Set.copyOf(active)) cancelQuietly(id);
    }

    public Set<String> active() {
        return Set.copyOf(active);
    }
}
