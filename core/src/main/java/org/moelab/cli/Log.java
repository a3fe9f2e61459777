package org.moelab.cli;

/** Messages for people go to stderr, so stdout stays machine-readable. */
final class Log {

    private Log() {
    }

    static void info(String format, Object... args) {
        if (System.getenv("MOELAB_QUIET") == null) System.err.println("[moelab] " + String.format(format, args));
    }

    /** A progress line that rewrites itself on a terminal, or a line per 10 % when stderr is a file or pipe. */
    static org.moelab.Progress progressBar() {
        boolean terminal = System.console() != null && System.console().isTerminal();
        int[] lastDecile = {-1};
        return (stage, done, total) -> {
            if (System.getenv("MOELAB_QUIET") != null) return;
            int pct = total <= 0 ? 100 : (int) (100 * done / total);
            String line = "[moelab] " + stage + " " + done + "/" + total + " (" + pct + "%)";
            if (terminal) {
                System.err.print("\r" + line);
                if (done >= total) System.err.println();
            } else if (pct / 10 != lastDecile[0]) {
                lastDecile[0] = pct / 10;
                System.err.println(line);
            }
        };
    }
}
