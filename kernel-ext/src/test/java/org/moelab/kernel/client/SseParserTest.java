package org.moelab.kernel.client;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SseParserTest {

    @Test
    void parsesEventsSplitAnywhereWithEveryLineEnding() {
        String stream = ": comment\nevent: status\nid: 3\ndata: {\"a\":1}\n\n"
                + "data: line one\r\ndata:line two\r\n\r\n"
                + "event: done\rdata: x\r\r"
                + "event: empty\n\n" // no data: not dispatched
                + "retry: 10\ndata: last\n\n";
        List<SseEvent> expected = List.of(new SseEvent("status", "{\"a\":1}", "3"), new SseEvent("message", "line one\nline two", "3"),
                new SseEvent("done", "x", "3"), new SseEvent("message", "last", "3"));
        for (int chunk = 1; chunk <= stream.length(); chunk++) {
            SseParser p = new SseParser();
            List<SseEvent> got = new ArrayList<>();
            for (int i = 0; i < stream.length(); i += chunk) got.addAll(p.feed(stream.substring(i, Math.min(stream.length(), i + chunk))));
            assertEquals(expected, got, "chunk size " + chunk);
        }
    }
}
