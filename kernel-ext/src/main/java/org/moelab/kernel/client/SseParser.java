package org.moelab.kernel.client;

import java.util.ArrayList;
import java.util.List;

/**
 * An incremental text/event-stream parser (WHATWG HTML §9.2.6): feed it chunks as they arrive, in any split,
 * and it returns the events they complete. Lines end in LF, CR or CRLF; comments (":") are ignored; an event
 * is dispatched at a blank line when it has data.
 */
public final class SseParser {

    private final StringBuilder line = new StringBuilder();
    private final StringBuilder data = new StringBuilder();
    private String event = "";
    private String lastId;
    private boolean hasData;
    private boolean afterCr;

    public List<SseEvent> feed(CharSequence chunk) {
        List<SseEvent> out = new ArrayList<>();
        for (int i = 0; i < chunk.length(); i++) {
            char c = chunk.charAt(i);
            if (afterCr) {
                afterCr = false;
                if (c == '\n') continue; // the LF of a CRLF
            }
            if (c == '\r' || c == '\n') {
                afterCr = c == '\r';
                endLine(out);
            } else {
                line.append(c);
            }
        }
        return out;
    }

    private void endLine(List<SseEvent> out) {
        String l = line.toString();
        line.setLength(0);
        if (l.isEmpty()) {
            if (hasData) {
                out.add(new SseEvent(event.isEmpty() ? "message" : event, data.toString(), lastId));
            }
            data.setLength(0);
            hasData = false;
            event = "";
            return;
        }
        if (l.startsWith(":")) return;
        int colon = l.indexOf(':');
        String field = colon < 0 ? l : l.substring(0, colon);
        String value = colon < 0 ? "" : l.substring(colon + 1);
        if (value.startsWith(" ")) value = value.substring(1);
        switch (field) {
            case "event" -> event = value;
            case "data" -> {
                if (hasData) data.append('\n');
                data.append(value);
                hasData = true;
            }
            case "id" -> {
                if (value.indexOf('\0') < 0) lastId = value;
            }
            default -> { } // "retry" and unknown fields: nothing to do for a client that never reconnects
        }
    }
}
