package org.moelab.backend.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DatabindException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.moelab.bitsmoe.allocation.BudgetInfeasibleException;
import org.moelab.checkpoint.CheckpointException;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The one place exceptions become error bodies: always {@link ApiError} JSON ({type, code, message}), never a
 * stack trace. Unexpected exceptions are logged with a reference that the body repeats. Jobs and SSE streams
 * use {@link #map} for their error events, so they read the same.
 */
public final class ErrorMapper {

    private static final Logger LOG = Logger.getLogger(ErrorMapper.class);

    /** A status and the body that goes with it. */
    public record Mapped(int status, ApiError error) {
    }

    @ServerExceptionMapper
    public Response api(ApiException e) {
        Response.ResponseBuilder b = respond(map(e));
        if (e.retryAfterSeconds() != null) b.header("Retry-After", e.retryAfterSeconds());
        if (e.status() == 401) b.header("WWW-Authenticate", "Bearer");
        return b.build();
    }

    @ServerExceptionMapper
    public Response budget(BudgetInfeasibleException e) {
        return respond(map(e)).build();
    }

    @ServerExceptionMapper
    public Response mismatched(MismatchedInputException e) {
        return respond(map(e)).build();
    }

    @ServerExceptionMapper
    public Response jackson(JsonProcessingException e) {
        return respond(map(e)).build();
    }

    @ServerExceptionMapper
    public Response checkpoint(CheckpointException e) {
        return respond(map(e)).build();
    }

    @ServerExceptionMapper
    public Response illegalArgument(IllegalArgumentException e) {
        return respond(map(e)).build();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        return respond(map(e)).build();
    }

    @ServerExceptionMapper
    public Response any(Throwable e) {
        return respond(map(e)).build();
    }

    public static Mapped map(Throwable e) {
        if (e instanceof ApiException a) return new Mapped(a.status(), a.error());
        if (e instanceof BudgetInfeasibleException b) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("requested", b.requested());
            d.put("minAverageBits", b.minAverageBits());
            d.put("maxAverageBits", b.maxAverageBits());
            d.put("mode", b.mode() == null ? null : b.mode().name().toLowerCase(Locale.ROOT));
            return new Mapped(422, new ApiError("invalid_request", "budget_infeasible", b.getMessage(), "bits", d));
        }
        if (e instanceof JsonProcessingException j) return new Mapped(400, fromJackson(j));
        if (e instanceof CheckpointException c) {
            return new Mapped(422, new ApiError("invalid_request", "invalid_model", c.getMessage(), "path", null));
        }
        // core reports bad options and inputs as IllegalArgumentException, with a message meant for the user
        if (e instanceof IllegalArgumentException i) return new Mapped(422, ApiError.of("invalid_request", "invalid_argument", i.getMessage()));
        if (e instanceof WebApplicationException w) return fromWeb(w);
        return internal(e);
    }

    private static Mapped fromWeb(WebApplicationException e) {
        if (e.getCause() instanceof JsonProcessingException j) return new Mapped(400, fromJackson(j));
        int status = e.getResponse() == null ? 500 : e.getResponse().getStatus();
        if (status >= 500) return internal(e);
        String code = switch (status) {
            case 400 -> "bad_request";
            case 401 -> "unauthorized";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 406 -> "not_acceptable";
            case 413 -> "payload_too_large";
            case 415 -> "unsupported_media_type";
            default -> "http_" + status;
        };
        String type = status == 404 ? "not_found" : "invalid_request";
        String message = e.getMessage() == null || e.getMessage().isBlank() ? "HTTP " + status : e.getMessage();
        return new Mapped(status, ApiError.of(type, code, message));
    }

    private static Mapped internal(Throwable e) {
        String ref = UUID.randomUUID().toString().substring(0, 8);
        LOG.errorf(e, "internal error, ref %s", ref);
        return new Mapped(500, ApiError.of("internal", "internal_error",
                "internal error (ref " + ref + "; the server log has the details): " + e.getClass().getSimpleName()));
    }

    static ApiError fromJackson(JsonProcessingException e) {
        String field = e instanceof JsonMappingException m && !m.getPath().isEmpty() ? path(m) : null;
        String detail = e.getOriginalMessage() == null ? "unreadable JSON" : e.getOriginalMessage().lines().findFirst().orElse("");
        if (e instanceof UnrecognizedPropertyException u) {
            return new ApiError("invalid_request", "unknown_field", "unknown field '" + field + "'; known fields: "
                    + u.getKnownPropertyIds().stream().map(Object::toString).sorted().collect(Collectors.joining(", ")), field, null);
        }
        if (e instanceof InvalidFormatException f) {
            return new ApiError("invalid_request", "invalid_field", "field '" + field + "': cannot read " + quote(f.getValue())
                    + " as " + f.getTargetType().getSimpleName(), field, null);
        }
        if (e instanceof MismatchedInputException m && field != null) {
            String want = m.getTargetType() == null ? "the expected type" : m.getTargetType().getSimpleName();
            return new ApiError("invalid_request", "invalid_field", "field '" + field + "' has the wrong type (expected "
                    + want + "): " + detail, field, null);
        }
        if (e instanceof DatabindException && field != null) {
            return new ApiError("invalid_request", "invalid_field", "field '" + field + "': " + detail, field, null);
        }
        var at = e.getLocation();
        return new ApiError("invalid_request", "invalid_json", "the request body is not valid JSON: " + detail
                + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"), field, null);
    }

    private static String path(JsonMappingException m) {
        StringBuilder s = new StringBuilder();
        for (JsonMappingException.Reference r : m.getPath()) {
            if (r.getFieldName() != null) s.append(s.isEmpty() ? "" : ".").append(r.getFieldName());
            else if (r.getIndex() >= 0) s.append('[').append(r.getIndex()).append(']');
        }
        return s.toString();
    }

    private static String quote(Object v) {
        return v instanceof String s ? "\"" + s + "\"" : String.valueOf(v);
    }

    private static Response.ResponseBuilder respond(Mapped m) {
        return Response.status(m.status()).type(MediaType.APPLICATION_JSON).entity(m.error());
    }
}
