package org.moelab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Where the committed test data lives. Missing data fails the test loudly; nothing is skipped. */
public final class TestData {

    private TestData() {
    }

    /** The repository root: system property {@code moelab.repo} (set by surefire), else found upwards. */
    public static Path repo() {
        String prop = System.getProperty("moelab.repo");
        if (prop != null && Files.isDirectory(Paths.get(prop, "models"))) return Paths.get(prop);
        for (Path p = Paths.get("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("models/moelab-tiny-qwen3moe"))) return p;
        }
        throw new IllegalStateException("cannot find the moelab repository root (no models/moelab-tiny-qwen3moe above "
                + Paths.get("").toAbsolutePath() + ")");
    }

    public static Path teachingModel() {
        return existing(repo().resolve("models/moelab-tiny-qwen3moe"));
    }

    public static Path fixture(String name) {
        return existing(repo().resolve("core/src/test/resources/fixtures/atenia-moe").resolve(name));
    }

    public static JsonNode json(Path p) {
        try {
            return new ObjectMapper().readTree(existing(p).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Path existing(Path p) {
        if (!Files.exists(p)) throw new IllegalStateException("test data missing: " + p);
        return p;
    }

    public static int[] ints(JsonNode arr) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) out[i] = arr.get(i).asInt();
        return out;
    }

    public static double[] doubles(JsonNode arr) {
        double[] out = new double[arr.size()];
        for (int i = 0; i < out.length; i++) out[i] = arr.get(i).asDouble();
        return out;
    }
}
