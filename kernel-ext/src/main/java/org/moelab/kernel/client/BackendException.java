package org.moelab.kernel.client;

import com.fasterxml.jackson.databind.JsonNode;
import org.moelab.kernel.MagicException;

/**
 * An error answer of the backend: its HTTP status and the {@code {type, code, message, field, details}} body.
 * The message is the backend's own (it says what to do), with the status appended.
 */
public final class BackendException extends MagicException {

    private final int status;
    private final String type;
    private final String code;
    private final String field;
    private final transient JsonNode details;

    public BackendException(int status, String type, String code, String message, String field, JsonNode details) {
        super(message + " (HTTP " + status + (code == null ? "" : " " + code) + ")");
        this.status = status;
        this.type = type;
        this.code = code;
        this.field = field;
        this.details = details;
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }

    public String field() {
        return field;
    }

    public JsonNode details() {
        return details;
    }
}
