package org.moelab.kernel.client;

/**
 * One server-sent event.
 *
 * @param event the event name ("message" when the stream gave none)
 * @param data  the data lines joined by '\n'
 * @param id    the last id the stream set, or null
 */
public record SseEvent(String event, String data, String id) {
}
