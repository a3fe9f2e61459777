package org.moelab.backend;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** A minimal server-sent-events reader: the response's headers as soon as they come, then events line by line. */
final class SseClient implements AutoCloseable {

    record Event(String name, String id, String data, long receivedNanos) {
    }

    private final HttpResponse<Stream<String>> response;
    private final Iterator<String> lines;
    final long openedNanos;
    final long headersNanos;

    private SseClient(HttpResponse<Stream<String>> response, long opened) {
        this.response = response;
        this.lines = response.body().iterator();
        this.openedNanos = opened;
        this.headersNanos = System.nanoTime();
    }

    static SseClient get(URI uri) throws Exception {
        return open(HttpRequest.newBuilder(uri).header("Accept", "text/event-stream").GET().build());
    }

    static SseClient post(URI uri, String json) throws Exception {
        return open(HttpRequest.newBuilder(uri).header("Accept", "text/event-stream").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    private static SseClient open(HttpRequest request) throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<Stream<String>> r = HttpClient.newHttpClient().sendAsync(request, HttpResponse.BodyHandlers.ofLines())
                .get(30, TimeUnit.SECONDS);
        return new SseClient(r, t0);
    }

    int status() {
        return response.statusCode();
    }

    String header(String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    /** The next event, or null at the end of the stream. */
    Event next() {
        String name = "message", id = null;
        StringBuilder data = null;
        while (lines.hasNext()) {
            String line = lines.next();
            if (line.isEmpty()) {
                if (data != null) return new Event(name, id, data.toString(), System.nanoTime());
                continue;
            }
            if (line.startsWith(":")) continue;
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1).replaceFirst("^ ", "");
            switch (field) {
                case "event" -> name = value;
                case "id" -> id = value;
                case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                default -> { }
            }
        }
        return data == null ? null : new Event(name, id, data.toString(), System.nanoTime());
    }

    /** Events up to and including the first that {@code last} accepts (or the end of the stream). */
    List<Event> readUntil(Predicate<Event> last, Duration timeout) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            List<Event> out = new ArrayList<>();
            Event e;
            while ((e = next()) != null) {
                out.add(e);
                if (last.test(e)) break;
            }
            return out;
        }).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        response.body().close();
    }
}
