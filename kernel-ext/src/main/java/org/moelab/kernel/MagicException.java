package org.moelab.kernel;

/**
 * A problem a magic reports to the notebook user as one line (bad arguments, backend down, job failed).
 * Kernels show only the message, never a stack trace: it is written to be read, and says what to do.
 */
public class MagicException extends RuntimeException {

    public MagicException(String message) {
        super(message, null, false, false);
    }

    public MagicException(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
