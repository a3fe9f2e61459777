package org.moelab.tokenizer;

import java.nio.file.Path;

/**
 * DJL settings that must be in place before its first class loads. DJL reads each one as an environment
 * variable first and a system property second, so only system properties are set, and only where neither
 * is set already: an explicit choice by the user always wins.
 */
final class DjlSetup {

    private static boolean done;

    private DjlSetup() {
    }

    static synchronized void ensureOffline() {
        if (done) return;
        // Where DJL extracts its bundled libtokenizers.so. Its default, ~/.djl.ai, would be a stray dot-dir.
        setIfUnset("DJL_CACHE_DIR", "DJL_CACHE_DIR",
                Path.of(System.getProperty("user.home"), ".cache", "moelab", "djl").toString());
        // Offline mode also disables telemetry; OPT_OUT_TRACKING covers a DJL_OFFLINE=false environment.
        setIfUnset("DJL_OFFLINE", "ai.djl.offline", "true");
        setIfUnset("OPT_OUT_TRACKING", "OPT_OUT_TRACKING", "true");
        // DJL probes for CUDA through JNA, which unpacks its own native stub to ~/.cache/JNA unless told otherwise.
        String cache = cacheDir();
        if (System.getProperty("jna.tmpdir") == null && cache != null) {
            System.setProperty("jna.tmpdir", Path.of(cache, "jna").toString());
        }
        done = true;
    }

    /** DJL's cache directory (its environment variable wins over its property), or null for DJL's default. */
    static String cacheDir() {
        String v = System.getenv("DJL_CACHE_DIR");
        if (v == null) v = System.getProperty("DJL_CACHE_DIR");
        return v == null || v.isEmpty() ? null : v;
    }

    private static void setIfUnset(String env, String property, String value) {
        if (System.getenv(env) == null && System.getProperty(property) == null) System.setProperty(property, value);
    }
}
