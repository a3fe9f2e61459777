package org.moelab.checkpoint;

import org.junit.jupiter.api.function.Executable;
import org.moelab.checkpoint.CheckpointException.Problem;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Test support: "this input fails with exactly this problem, naming this file and tensor, and does not hang". */
final class CheckpointAssertions {

    /** Generous: every check is a few header bytes; a hang or a huge allocation would blow well past it. */
    static final Duration LIMIT = Duration.ofSeconds(5);

    private CheckpointAssertions() {
    }

    /**
     * Runs {@code action} (which should close whatever it opens) and returns the {@link CheckpointException}
     * it throws, after checking its problem, its file and tensor, and that both are named in the message.
     * {@code tensor == null} means "a problem with the file as a whole": no tensor may be reported.
     */
    static CheckpointException assertProblem(Problem problem, Path file, String tensor, Executable action) {
        CheckpointException e = assertTimeoutPreemptively(LIMIT,
                () -> assertThrows(CheckpointException.class, action, "expected " + problem));
        String msg = e.getMessage();
        assertEquals(problem, e.problem(), () -> "wrong problem; message: " + msg);
        assertNotNull(e.file(), () -> "no file reported; message: " + msg);
        assertEquals(file.toAbsolutePath().normalize(), e.file().toAbsolutePath().normalize(), () -> "message: " + msg);
        assertTrue(msg.contains("[file " + e.file() + "]"), () -> "file not named in: " + msg);
        if (tensor == null) {
            assertNull(e.tensor(), () -> "unexpected tensor in: " + msg);
        } else {
            assertEquals(tensor, e.tensor(), () -> "message: " + msg);
            assertTrue(msg.contains("[tensor " + tensor + "]"), () -> "tensor not named in: " + msg);
        }
        return e;
    }

    /** {@link #assertProblem} for {@code SafetensorsFile.open(file)}. */
    static CheckpointException assertOpenFails(Problem problem, Path file, String tensor) {
        return assertProblem(problem, file, tensor, () -> SafetensorsFile.open(file).close());
    }

    static void assertContains(String haystack, String... needles) {
        for (String n : needles) assertTrue(haystack.contains(n), () -> "\"" + n + "\" not in: " + haystack);
    }
}
