package org.moelab;

/** Progress of long work, reported to whoever asked (CLI bar on stderr, backend SSE, notebook bar). */
@FunctionalInterface
public interface Progress {

    Progress NONE = (stage, done, total) -> { };

    void update(String stage, long done, long total);
}
