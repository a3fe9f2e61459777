package org.moelab.model.family;

import com.fasterxml.jackson.databind.JsonNode;
import org.moelab.checkpoint.CheckpointException;
import org.moelab.checkpoint.CheckpointException.Problem;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/** Typed access to config.json with errors that name the key and the file. */
public record ConfigReader(JsonNode root, Path file) {

    public int requireInt(String key) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull() || !n.canConvertToInt()) {
            throw bad(key, n == null || n.isNull() ? "is missing" : "must be an integer, got " + n);
        }
        int v = n.asInt();
        if (v < 0) throw bad(key, "must not be negative, got " + v);
        return v;
    }

    public int positiveInt(String key) {
        int v = requireInt(key);
        if (v == 0) throw bad(key, "must be positive");
        return v;
    }

    public int intOr(String key, int fallback) {
        JsonNode n = root.get(key);
        return n == null || n.isNull() ? fallback : requireInt(key);
    }

    public double doubleOr(String key, double fallback) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) return fallback;
        if (!n.isNumber()) throw bad(key, "must be a number, got " + n);
        return n.asDouble();
    }

    public boolean boolOr(String key, boolean fallback) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) return fallback;
        if (!n.isBoolean()) throw bad(key, "must be true or false, got " + n);
        return n.asBoolean();
    }

    public String stringOr(String key, String fallback) {
        JsonNode n = root.get(key);
        return n == null || n.isNull() ? fallback : n.asText();
    }

    /** An int or a list of ints (eos_token_id may be either). */
    public Set<Integer> intSet(String key) {
        Set<Integer> out = new LinkedHashSet<>();
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) return out;
        if (n.isArray()) n.forEach(e -> out.add(e.asInt()));
        else if (n.canConvertToInt()) out.add(n.asInt());
        else throw bad(key, "must be an integer or a list of integers, got " + n);
        return out;
    }

    public boolean has(String key) {
        JsonNode n = root.get(key);
        return n != null && !n.isNull();
    }

    /** Rejects rope_scaling types the runtime does not implement, rather than running them wrong. */
    public void rejectRopeScaling() {
        JsonNode n = root.get("rope_scaling");
        if (n != null && !n.isNull()) {
            String type = n.has("rope_type") ? n.get("rope_type").asText() : n.path("type").asText("?");
            if (!type.equals("default")) {
                throw new CheckpointException(Problem.BAD_CONFIG, file, null,
                        "rope_scaling type '" + type + "' is not supported (only plain RoPE is)");
            }
        }
    }

    public CheckpointException bad(String key, String why) {
        return new CheckpointException(Problem.BAD_CONFIG, file, null, "config key '" + key + "' " + why);
    }
}
