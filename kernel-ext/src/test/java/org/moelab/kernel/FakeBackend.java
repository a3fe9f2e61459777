package org.moelab.kernel;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A stand-in for the moelab backend in tests: answers "METHOD /path" with canned JSON or a scripted event stream,
 * and records every request (method, path, body).
 */
public final class FakeBackend implements AutoCloseable {

    public record Request(String method, String path, String body) {
    }

    /** Writes a response; may block (an event stream that waits for a cancel). */
    @FunctionalInterface
    public interface Handler {
        void handle(HttpExchange ex, String body) throws Exception;
    }

    private final HttpServer server;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-backend");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Handler> routes = new ConcurrentHashMap<>();
    public final List<Request> requests = new CopyOnWriteArrayList<>();
    /** What the handlers threw (an assertion about a request fails the request with a 500 and lands here). */
    public final List<Throwable> failures = new CopyOnWriteArrayList<>();

    public FakeBackend() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(pool);
        server.createContext("/", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String key = ex.getRequestMethod() + " " + ex.getRequestURI().getPath();
            requests.add(new Request(ex.getRequestMethod(), ex.getRequestURI().getPath(), body));
            Handler h = routes.get(key);
            try {
                if (h == null) {
                    json(ex, 404, "{\"type\":\"not_found\",\"code\":\"no_route\",\"message\":\"no route " + key + " in the fake backend\"}");
                } else {
                    h.handle(ex, body);
                }
            } catch (Exception | AssertionError e) {
                failures.add(e);
                try {
                    json(ex, 500, "{\"type\":\"internal\",\"code\":\"fake\",\"message\":\"" + e.toString().replace('"', '\'') + "\"}");
                } catch (IOException ignored) {
                    // the client is gone
                }
            } finally {
                ex.close();
            }
        });
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public FakeBackend on(String methodAndPath, Handler h) {
        routes.put(methodAndPath, h);
        return this;
    }

    public FakeBackend json(String methodAndPath, int status, String json) {
        return on(methodAndPath, (ex, body) -> json(ex, status, json));
    }

    public static void json(HttpExchange ex, int status, String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        if (status == 204) {
            ex.sendResponseHeaders(204, -1);
            return;
        }
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }

    /** Starts an event stream; write events with {@link #event}. */
    public static OutputStream sse(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        return ex.getResponseBody();
    }

    public static void event(OutputStream o, String name, String data) throws IOException {
        o.write(("event: " + name + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
        o.flush();
    }

    public long count(String method, String path) {
        return requests.stream().filter(r -> r.method().equals(method) && r.path().equals(path)).count();
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
