package org.moelab.backend.api;

import java.util.Map;

/** An error with its HTTP status and {@link ApiError} body; thrown anywhere, rendered by {@link ErrorMapper}. */
public final class ApiException extends RuntimeException {

    private final int status;
    private final ApiError error;
    private final Integer retryAfterSeconds;

    public ApiException(int status, ApiError error, Integer retryAfterSeconds) {
        super(error.message(), null, false, false);
        this.status = status;
        this.error = error;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int status() {
        return status;
    }

    public ApiError error() {
        return error;
    }

    public Integer retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** 400: the body is not what the endpoint reads (bad JSON, wrong type); names the field when there is one. */
    public static ApiException badRequest(String code, String field, String message) {
        return new ApiException(400, new ApiError("invalid_request", code, message, field, null), null);
    }

    /** 422: well-formed but unacceptable (missing, out of range, inconsistent); names the field. */
    public static ApiException invalid(String field, String message) {
        return new ApiException(422, new ApiError("invalid_request", "invalid_field", message, field, null), null);
    }

    public static ApiException unprocessable(String code, String message, Map<String, Object> details) {
        return new ApiException(422, new ApiError("invalid_request", code, message, null, details), null);
    }

    public static ApiException notFound(String code, String message) {
        return new ApiException(404, ApiError.of("not_found", code, message), null);
    }

    public static ApiException conflict(String code, String message) {
        return new ApiException(409, ApiError.of("conflict", code, message), null);
    }

    public static ApiException unavailable(String code, String message, int retryAfterSeconds) {
        return new ApiException(503, ApiError.of("unavailable", code, message), retryAfterSeconds);
    }

    public static ApiException unauthorized(String code, String message) {
        return new ApiException(401, ApiError.of("unauthorized", code, message), null);
    }
}
