package org.moelab.kernel.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;

import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The kernel's blocking facade over the backend's REST API (Vert.x 5 WebClient for JSON calls, its HttpClient for
 * server-sent events). Magics run on the notebook's execution thread, so every call blocks it and every wait is
 * interruptible: the notebook's stop button interrupts the thread, and {@link JobFollower} then cancels the job.
 *
 * <p>Errors: nothing listening becomes {@link BackendUnavailableException} ("start it with ./moelab serve"); an
 * error answer becomes {@link BackendException} with the backend's {@code {type, code, message}}. A model that is
 * still loading (503 model_loading) is waited for, honouring Retry-After.
 */
public final class BackendClient implements AutoCloseable {

    public static final String DEFAULT_URL = "http://127.0.0.1:8080";
    /** The REST API's path prefix. */
    public static final String API = "/v1";
    static final ObjectMapper JSON = new ObjectMapper();

    private static final long CALL_TIMEOUT_MS = TimeUnit.MINUTES.toMillis(30);
    private static final long LOADING_WAIT_MS = TimeUnit.MINUTES.toMillis(10);
    /** Event streams answer at once (their first event goes out with the headers). */
    private static final long STREAM_HEAD_TIMEOUT_MS = TimeUnit.MINUTES.toMillis(2);

    private final String baseUrl;
    private final String token;
    private final Vertx vertx;
    private final WebClient web;
    private final HttpClient http;
    private final JobFollower jobs = new JobFollower(this);

    /**
     * @param baseUrl e.g. {@code http://127.0.0.1:8080} (no trailing path)
     * @param token   the backend's moelab.api-token, or null
     */
    public BackendClient(String baseUrl, String token) {
        URI u = URI.create(baseUrl.replaceAll("/+$", ""));
        if (u.getHost() == null || !("http".equals(u.getScheme()) || "https".equals(u.getScheme()))) {
            throw new IllegalArgumentException("backend URL must look like http://host:port, got '" + baseUrl + "'");
        }
        this.baseUrl = u.toString();
        this.token = token == null || token.isBlank() ? null : token.strip();
        this.vertx = Vertx.vertx(vertxOptions());
        this.web = WebClient.create(vertx, new WebClientOptions().setConnectTimeout(3000).setUserAgent("moelab-kernel"));
        this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(3000));
    }

    /**
     * One thread each. The event loop only runs short callbacks, so Vert.x's blocked-thread warning (default: an event
     * loop task over 2 s) is raised to 60 s: on a busy 2-core machine a starved loop tripped it while idle in epoll,
     * and its stack trace landed in the notebook's output.
     */
    static VertxOptions vertxOptions() {
        return new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1).setInternalBlockingPoolSize(1)
                .setMaxEventLoopExecuteTime(60).setMaxEventLoopExecuteTimeUnit(java.util.concurrent.TimeUnit.SECONDS)
                .setBlockedThreadCheckInterval(10).setBlockedThreadCheckIntervalUnit(java.util.concurrent.TimeUnit.SECONDS);
    }

    /** MOELAB_BACKEND_URL (or -Dmoelab.backend.url), default {@value #DEFAULT_URL}; MOELAB_API_TOKEN for the token. */
    public static BackendClient fromEnvironment() {
        String url = System.getProperty("moelab.backend.url", System.getenv("MOELAB_BACKEND_URL"));
        return new BackendClient(url == null || url.isBlank() ? DEFAULT_URL : url, System.getenv("MOELAB_API_TOKEN"));
    }

    /** Starts Vert.x's event-loop thread now, from the calling thread (and its thread group). */
    public void warmUp() {
        java.util.concurrent.CompletableFuture<Void> started = new java.util.concurrent.CompletableFuture<>();
        vertx.runOnContext(v -> started.complete(null));
        started.join();
    }

    public String baseUrl() {
        return baseUrl;
    }

    public JobFollower jobs() {
        return jobs;
    }

    public JsonNode get(String path) throws InterruptedException {
        return call(HttpMethod.GET, path, null);
    }

    public JsonNode post(String path, Object body) throws InterruptedException {
        return call(HttpMethod.POST, path, body);
    }

    /** DELETE; the answer's body, or null for 204. */
    public JsonNode delete(String path) throws InterruptedException {
        return call(HttpMethod.DELETE, path, null);
    }

    private JsonNode call(HttpMethod method, String path, Object body) throws InterruptedException {
        byte[] bytes = body == null ? null : toJson(body);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LOADING_WAIT_MS);
        while (true) {
            HttpRequest<Buffer> req = web.requestAbs(method, baseUrl + path).timeout(CALL_TIMEOUT_MS).putHeader("Accept", "application/json");
            if (token != null) req.bearerTokenAuthentication(token);
            Future<HttpResponse<Buffer>> f;
            if (bytes == null) {
                f = req.send();
            } else {
                f = req.putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(bytes));
            }
            HttpResponse<Buffer> r = await(f, CALL_TIMEOUT_MS + 5000);
            JsonNode json = parse(r.bodyAsBuffer());
            if (r.statusCode() < 300) return json;
            BackendException e = error(r.statusCode(), json, r.bodyAsString());
            if (r.statusCode() == 503 && "model_loading".equals(e.code()) && System.nanoTime() < deadline) {
                Thread.sleep(1000L * retryAfter(r.getHeader("Retry-After")));
                continue;
            }
            throw e;
        }
    }

    /** Opens a server-sent event stream (GET, or POST with a JSON body); error answers throw at once. */
    public EventStream stream(HttpMethod method, String path, Object body) throws InterruptedException {
        EventStream s = new EventStream();
        RequestOptions o = new RequestOptions().setMethod(method).setAbsoluteURI(baseUrl + path).putHeader("Accept", "text/event-stream");
        if (token != null) o.putHeader("Authorization", "Bearer " + token);
        if (body != null) o.putHeader("Content-Type", "application/json");
        Buffer bytes = body == null ? null : Buffer.buffer(toJson(body));
        io.vertx.core.Promise<BackendException> head = io.vertx.core.Promise.promise();
        // Everything runs on the event loop: a listener added from this thread to an already completed future would
        // run here, too late to catch a short response's body.
        vertx.runOnContext(v -> http.request(o).onComplete(opened -> {
            if (opened.failed()) {
                head.fail(opened.cause());
                return;
            }
            HttpClientRequest req = opened.result();
            s.request = req;
            (bytes == null ? req.send() : req.send(bytes)).onComplete(sent -> {
                if (sent.failed()) {
                    head.fail(sent.cause());
                    return;
                }
                io.vertx.core.http.HttpClientResponse resp = sent.result();
                if (resp.statusCode() < 300) {
                    s.attach(resp);
                    head.complete(null);
                } else {
                    resp.body().onComplete(b -> {
                        Buffer buf = b.succeeded() ? b.result() : Buffer.buffer();
                        head.complete(error(resp.statusCode(), parse(buf), buf.toString(StandardCharsets.UTF_8)));
                    });
                }
            });
        }));
        BackendException failed;
        try {
            failed = await(head.future(), STREAM_HEAD_TIMEOUT_MS);
        } catch (InterruptedException | RuntimeException e) {
            s.close();
            throw e;
        }
        if (failed != null) {
            s.close();
            throw failed;
        }
        return s;
    }

    /** True when GET /q/health/ready answers 200 (the default model is loaded). */
    public boolean ready() throws InterruptedException {
        try {
            HttpResponse<Buffer> r = await(web.requestAbs(HttpMethod.GET, baseUrl + "/q/health/ready").timeout(5000).send(), 6000);
            return r.statusCode() == 200;
        } catch (BackendUnavailableException e) {
            return false;
        }
    }

    <T> T await(Future<T> f, long timeoutMs) throws InterruptedException {
        try {
            return f.toCompletionStage().toCompletableFuture().get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw unreachable(e.getCause());
        } catch (TimeoutException e) {
            throw new BackendUnavailableException(baseUrl, "no answer within " + timeoutMs / 1000 + " s");
        }
    }

    private RuntimeException unreachable(Throwable t) {
        if (t instanceof ConnectException) return new BackendUnavailableException(baseUrl, "connection refused");
        if (t instanceof UnknownHostException) return new BackendUnavailableException(baseUrl, "unknown host");
        if (t instanceof TimeoutException || (t != null && t.getClass().getSimpleName().contains("Timeout"))) {
            return new BackendUnavailableException(baseUrl, "timed out");
        }
        return new BackendUnavailableException(baseUrl, t == null ? "unknown error" : t.getClass().getSimpleName() + ": " + t.getMessage());
    }

    static BackendException error(int status, JsonNode json, String raw) {
        if (json != null && json.hasNonNull("message")) {
            return new BackendException(status, text(json, "type"), text(json, "code"), json.get("message").asText(), text(json, "field"),
                    json.get("details"));
        }
        String msg = raw == null || raw.isBlank() ? "the backend answered HTTP " + status : raw.strip();
        if (msg.length() > 300) msg = msg.substring(0, 300) + "…";
        return new BackendException(status, null, null, msg, null, null);
    }

    private static String text(JsonNode n, String field) {
        return n.hasNonNull(field) ? n.get(field).asText() : null;
    }

    private static int retryAfter(String header) {
        try {
            return Math.max(1, Math.min(30, Integer.parseInt(header == null ? "2" : header.strip())));
        } catch (NumberFormatException e) {
            return 2;
        }
    }

    static JsonNode parse(Buffer b) {
        if (b == null || b.length() == 0) return null;
        try {
            return JSON.readTree(b.getBytes());
        } catch (java.io.IOException e) {
            return null;
        }
    }

    static JsonNode parse(String s) {
        if (s == null || s.isBlank()) return null;
        try {
            return JSON.readTree(s);
        } catch (java.io.IOException e) {
            return null;
        }
    }

    static byte[] toJson(Object body) {
        try {
            return JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write the request as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Asks the backend to cancel every job a magic is following (the kernel's interrupt handler). */
    public void cancelActiveJobs() {
        jobs.cancelAll();
    }

    @Override
    public void close() {
        web.close();
        http.close();
        vertx.close();
    }
}
