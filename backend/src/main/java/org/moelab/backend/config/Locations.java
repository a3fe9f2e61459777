package org.moelab.backend.config;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Where things are: the repository root (home), the data dir and its artifacts/ and jobs/ folders. */
@ApplicationScoped
public class Locations {

    private final Path home;
    private final Path data;

    @Inject
    public Locations(MoelabConfig config) {
        this.home = config.home().map(Locations::expand).orElseGet(Locations::findHome).toAbsolutePath().normalize();
        this.data = config.dataDir().map(Locations::expand).orElseGet(() -> defaultData(home)).toAbsolutePath().normalize();
        try {
            Files.createDirectories(artifacts());
            Files.createDirectories(jobs());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the data dir " + data + " (set moelab.data-dir): " + e.getMessage(), e);
        }
    }

    public Path home() {
        return home;
    }

    public Path data() {
        return data;
    }

    public Path artifacts() {
        return data.resolve("artifacts");
    }

    public Path jobs() {
        return data.resolve("jobs");
    }

    /** A user-given path: absolute as is, "~/" from the user's home, otherwise relative to home. */
    public Path resolve(String path) {
        Path p = expand(path);
        return (p.isAbsolute() ? p : home.resolve(p)).normalize();
    }

    static Path expand(String p) {
        String s = p.strip();
        if (s.equals("~") || s.startsWith("~/")) s = System.getProperty("user.home") + s.substring(1);
        return Paths.get(s);
    }

    /** The working directory if it holds models/, else its parent if that does (a build run from backend/). */
    static Path findHome() {
        Path cwd = Paths.get("").toAbsolutePath();
        if (Files.isDirectory(cwd.resolve("models"))) return cwd;
        Path parent = cwd.getParent();
        if (parent != null && Files.isDirectory(parent.resolve("models"))) return parent;
        return cwd;
    }

    static Path defaultData(Path home) {
        String userHome = System.getProperty("user.home");
        if (userHome != null && !userHome.isBlank() && Files.isWritable(Paths.get(userHome))) {
            return Paths.get(userHome, ".moelab", "data");
        }
        return home.resolve(".moelab").resolve("data");
    }
}
