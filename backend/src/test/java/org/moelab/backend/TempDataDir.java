package org.moelab.backend;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import org.moelab.backend.util.FileOps;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A fresh data dir per test run, so no artifact or job record of an earlier run leaks in. Quarkus applies test
 * resources to every test; {@link RestartTest} brings its own prepared data dir and is left alone.
 */
public class TempDataDir implements QuarkusTestResourceLifecycleManager {

    private Path dir;
    private String profile;

    @Override
    public void setContext(Context context) {
        profile = context.testProfile();
    }

    @Override
    public Map<String, String> start() {
        if (profile != null && profile.contains("RestartTest")) return Map.of();
        try {
            dir = Files.createTempDirectory("moelab-backend-test-");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return Map.of("moelab.data-dir", dir.toString());
    }

    @Override
    public void stop() {
        if (dir == null) return;
        try {
            FileOps.deleteTree(dir);
        } catch (IOException ignored) {
            // a temp dir; the OS cleans up what is left
        }
    }
}
