package org.moelab.backend;

/**
 * Identity and defaults of the moelab backend service. A plain class for now; the Quarkus service
 * will read its defaults from here so that the CLI, the kernel and the service agree on them.
 */
public final class BackendInfo {

    /** Matches the project version in the parent pom (a test checks it). */
    public static final String VERSION = "0.1.0-SNAPSHOT";

    /**
     * Loopback only: the backend holds models and runs jobs without authentication, so exposing it
     * beyond this machine must be a deliberate choice (a container publishes it explicitly).
     */
    public static final String DEFAULT_BIND_HOST = "127.0.0.1";

    private BackendInfo() {
    }

    public static String version() {
        return VERSION;
    }

    public static String defaultBindHost() {
        return DEFAULT_BIND_HOST;
    }
}
