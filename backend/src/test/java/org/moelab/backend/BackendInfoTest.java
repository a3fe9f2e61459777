package org.moelab.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class BackendInfoTest {

    @Test
    void versionMatchesTheBuildAndBindHostIsLoopback() throws IOException {
        String repo = System.getProperty("moelab.repo");
        Path pom = (repo != null ? Path.of(repo) : Path.of("..")).resolve("pom.xml");
        assertTrue(Files.isRegularFile(pom), "parent pom not found at " + pom.toAbsolutePath());
        // The parent's own <version> follows its <artifactId>moelab-parent</artifactId>.
        Matcher m = Pattern.compile("<artifactId>moelab-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Files.readString(pom));
        assertTrue(m.find(), "no moelab-parent version in " + pom);
        assertEquals(m.group(1).trim(), BackendInfo.version(), "BackendInfo.VERSION drifted from the pom");

        assertEquals("127.0.0.1", BackendInfo.defaultBindHost());
        assertTrue(InetAddress.getByName(BackendInfo.defaultBindHost()).isLoopbackAddress());
    }
}
