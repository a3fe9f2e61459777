package org.moelab.kernel.client;

import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A server-sent event stream being read: Vert.x's event loop parses chunks into {@link SseEvent}s and queues
 * them; the magic's thread takes them with {@link #next}, which blocks interruptibly. {@link #close} drops the
 * connection (the backend then stops streaming; a generation stops decoding).
 */
public final class EventStream implements AutoCloseable {

    /** Queued when the response ends. */
    private static final Object END = new Object();

    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final SseParser parser = new SseParser();
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private ByteBuffer pending = ByteBuffer.allocate(0);
    volatile HttpClientRequest request;
    private volatile boolean ended;

    EventStream() {
    }

    void attach(HttpClientResponse resp) {
        resp.handler(b -> feed(b.getBytes()));
        resp.endHandler(v -> queue.add(END));
        resp.exceptionHandler(queue::add);
    }

    /** Decodes across chunk boundaries (a multi-byte character may be split between two chunks). */
    private void feed(byte[] bytes) {
        ByteBuffer in = ByteBuffer.allocate(pending.remaining() + bytes.length);
        in.put(pending).put(bytes).flip();
        CharBuffer out = CharBuffer.allocate(in.remaining() + 1);
        utf8.decode(in, out, false);
        pending = in.slice();
        out.flip();
        parser.feed(out).forEach(queue::add);
    }

    /**
     * The next event; null when none arrived within {@code timeoutMillis} or the stream has ended ({@link #ended()}).
     *
     * @throws BackendUnavailableException when the connection broke
     */
    public SseEvent next(long timeoutMillis) throws InterruptedException {
        if (ended) return null;
        Object o = queue.poll(timeoutMillis, TimeUnit.MILLISECONDS);
        if (o == null) return null;
        if (o == END) {
            ended = true;
            return null;
        }
        if (o instanceof Throwable t) {
            ended = true;
            throw new BackendUnavailableException("the event stream", "connection lost: " + t.getMessage());
        }
        return (SseEvent) o;
    }

    public boolean ended() {
        return ended;
    }

    @Override
    public void close() {
        ended = true;
        HttpClientRequest r = request;
        if (r != null) {
            try {
                r.reset();
            } catch (RuntimeException ignored) {
                // already closed
            }
        }
    }
}
