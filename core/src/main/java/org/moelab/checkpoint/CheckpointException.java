package org.moelab.checkpoint;

import java.nio.file.Path;

/**
 * A checkpoint that cannot be used, with the exact reason, the file and (where there is one) the
 * tensor. Thrown before any tensor is handed out, so a bad file never reaches the runtime.
 */
public class CheckpointException extends RuntimeException {

    /** What is wrong; each has its own message and tests. */
    public enum Problem {
        FILE_UNREADABLE,
        TRUNCATED,
        HEADER_TOO_LARGE,
        HEADER_PAST_END,
        BAD_JSON,
        BAD_ENTRY,
        UNSUPPORTED_DTYPE,
        SHAPE_MISMATCH,
        OFFSET_OUT_OF_RANGE,
        OVERLAPPING_TENSORS,
        DUPLICATE_TENSOR,
        MISSING_TENSOR,
        BAD_CONFIG,
        UNSUPPORTED_ARCHITECTURE,
        BAD_ARTIFACT
    }

    private final Problem problem;
    private final Path file;
    private final String tensor;

    public CheckpointException(Problem problem, Path file, String tensor, String message) {
        super(format(problem, file, tensor, message));
        this.problem = problem;
        this.file = file;
        this.tensor = tensor;
    }

    public CheckpointException(Problem problem, Path file, String tensor, String message, Throwable cause) {
        super(format(problem, file, tensor, message), cause);
        this.problem = problem;
        this.file = file;
        this.tensor = tensor;
    }

    private static String format(Problem problem, Path file, String tensor, String message) {
        StringBuilder sb = new StringBuilder(problem.name().toLowerCase().replace('_', ' ')).append(": ");
        sb.append(message);
        if (tensor != null) sb.append(" [tensor ").append(tensor).append(']');
        if (file != null) sb.append(" [file ").append(file).append(']');
        return sb.toString();
    }

    public Problem problem() {
        return problem;
    }

    public Path file() {
        return file;
    }

    /** The tensor concerned, or null when the problem is with the file as a whole. */
    public String tensor() {
        return tensor;
    }
}
