package org.moelab.backend.api;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Map;

/**
 * The body of every error response: {@code type} is the class of problem (invalid_request, not_found, conflict,
 * unavailable, unauthorized, internal), {@code code} the specific reason, {@code message} what to do about it.
 * {@code field} names the request field at fault; {@code details} carries numbers a client can act on.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiError(String type, String code, String message, String field, Map<String, Object> details) {

    public static ApiError of(String type, String code, String message) {
        return new ApiError(type, code, message, null, null);
    }
}
