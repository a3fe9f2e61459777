package org.moelab.bitsmoe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.moelab.checkpoint.CheckpointWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Every stage result of BitsMoE ({@code LayerDecomposition}, {@code Spectrum}, {@code DecompositionCheck},
 * calibration statistics, {@code CalibrationCoverage}, {@code ProjectionCosts}, {@code AllocationPlan},
 * {@code CostModelCheck}) as JSON and back, so a notebook can run one stage, save it, and pick up later.
 * Floats and doubles are written in their shortest round-tripping form, so a reload is exact.
 */
public final class StageJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private StageJson() {
    }

    public static String toJson(Object stage) {
        try {
            return JSON.writeValueAsString(stage);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static <T> T fromJson(String json, Class<T> type) {
        try {
            return JSON.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }

    public static <T> T fromJson(String json, TypeReference<T> type) {
        try {
            return JSON.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a " + type.getType().getTypeName() + ": " + e.getOriginalMessage(), e);
        }
    }

    /** Writes atomically (temporary file, then rename). */
    public static void write(Path file, Object stage) {
        CheckpointWriter.writeText(file, toJson(stage));
    }

    public static <T> T read(Path file, Class<T> type) {
        try {
            return fromJson(Files.readString(file), type);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    public static <T> T read(Path file, TypeReference<T> type) {
        try {
            return fromJson(Files.readString(file), type);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
