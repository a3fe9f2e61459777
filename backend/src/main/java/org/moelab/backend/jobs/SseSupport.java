package org.moelab.backend.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.http.HttpServerResponse;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Server-sent events that reach the client at once: proxy buffering off (X-Accel-Buffering: no), the first
 * event sent before the method returns (so the headers go out with it), heartbeats while nothing changes.
 * Each reader has its own virtual thread that sends the job's latest state and waits for that write before
 * the next: a slow reader skips intermediate states, the job never waits for it.
 */
@ApplicationScoped
public class SseSupport {

    private static final Logger LOG = Logger.getLogger(SseSupport.class);
    /** A reader that cannot take one event in this long is dropped. */
    static final long WRITE_TIMEOUT_SECONDS = 60;

    @Inject
    ObjectMapper json;

    /** What a progress event carries (the status and final events carry the whole job view). */
    public record ProgressEvent(String id, String state, String stage, long done, long total, double fraction, Double etaSeconds,
                                Double elapsedSeconds, long seq) {
        static ProgressEvent of(JobView v) {
            return new ProgressEvent(v.id(), v.state(), v.stage(), v.done(), v.total(), v.fraction(), v.etaSeconds(),
                    v.elapsedSeconds(), v.seq());
        }
    }

    public static void streamingHeaders(HttpServerResponse response) {
        if (response == null) return;
        response.putHeader("X-Accel-Buffering", "no");
        response.putHeader("Cache-Control", "no-cache");
    }

    /** Sends one event and waits for the write; false when the client is gone or too slow. */
    public boolean send(SseEventSink sink, Sse sse, String name, Object data, Long id) {
        if (sink.isClosed()) return false;
        String text;
        try {
            text = json.writeValueAsString(data);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        OutboundSseEvent.Builder b = sse.newEventBuilder().name(name).data(text);
        if (id != null) b.id(Long.toString(id));
        try {
            sink.send(b.build()).toCompletableFuture().get(WRITE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * Streams the job's changes until it ends. {@code onGone} runs when the client is found gone (a send fails, at the
     * latest at the next heartbeat) before the job ended.
     */
    void followJob(Job job, SseEventSink sink, Sse sse, HttpServerResponse response, long heartbeatMillis, Runnable onGone) {
        streamingHeaders(response);
        JobView first = job.view();
        if (!send(sink, sse, "status", first, first.seq())) {
            sink.close();
            onGone.run();
            return;
        }
        Thread.ofVirtual().name("sse-" + job.id).start(() -> {
            long seen = first.seq();
            JobView v = first;
            try {
                while (!Job.State.valueOf(v.state().toUpperCase()).terminal()) {
                    v = job.awaitChange(seen, heartbeatMillis);
                    boolean ok;
                    if (v.seq() == seen) {
                        ok = send(sink, sse, "heartbeat", Map.of("time", Instant.now().toString()), null);
                    } else if (Job.State.valueOf(v.state().toUpperCase()).terminal()) {
                        break;
                    } else {
                        ok = send(sink, sse, "progress", ProgressEvent.of(v), v.seq());
                    }
                    if (!ok) {
                        onGone.run();
                        return;
                    }
                    seen = v.seq();
                }
                if ("succeeded".equals(v.state())) send(sink, sse, "done", v, v.seq());
                else send(sink, sse, "error", v.error() != null ? Map.of("job", v, "error", v.error()) : Map.of("job", v), v.seq());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.debugf(e, "SSE stream of job %s ended", job.id);
            } finally {
                sink.close();
            }
        });
    }
}
