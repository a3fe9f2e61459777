package org.moelab.backend.api;

import java.util.List;
import java.util.Locale;

/** Request validation that fails with a 422 naming the field. */
public final class Check {

    private Check() {
    }

    public static <T> T body(T body) {
        if (body == null) throw ApiException.badRequest("missing_body", null, "the request needs a JSON body");
        return body;
    }

    public static <T> T required(String field, T value) {
        if (value == null) throw ApiException.invalid(field, "field '" + field + "' is required");
        return value;
    }

    public static String text(String field, String value) {
        required(field, value);
        if (value.isEmpty()) throw ApiException.invalid(field, "field '" + field + "' must not be empty");
        return value;
    }

    public static int range(String field, Integer value, int def, int min, int max) {
        int v = value == null ? def : value;
        if (v < min || v > max) throw ApiException.invalid(field, "field '" + field + "' must be in [" + min + ", " + max + "], got " + v);
        return v;
    }

    public static double range(String field, Double value, double def, double min, double max) {
        double v = value == null ? def : value;
        if (!(v >= min && v <= max)) {
            throw ApiException.invalid(field, "field '" + field + "' must be in [" + min + ", " + max + "], got " + v);
        }
        return v;
    }

    /** One of {@code allowed} (case-insensitive), lower-cased; {@code def} when absent. */
    public static String oneOf(String field, String value, String def, List<String> allowed) {
        if (value == null) return def;
        String v = value.toLowerCase(Locale.ROOT);
        if (!allowed.contains(v)) {
            throw ApiException.invalid(field, "field '" + field + "' must be one of " + String.join(", ", allowed) + ", got '" + value + "'");
        }
        return v;
    }

    /** Model and artifact names: letters, digits, '.', '_', '-', at most 64, not starting with '.'. */
    public static String name(String field, String value) {
        if (value == null || !value.matches("[A-Za-z0-9_][A-Za-z0-9._-]{0,63}")) {
            throw ApiException.invalid(field, "field '" + field + "' must be 1-64 letters, digits, '.', '_' or '-' (not starting with '.'), got '"
                    + value + "'");
        }
        return value;
    }
}
