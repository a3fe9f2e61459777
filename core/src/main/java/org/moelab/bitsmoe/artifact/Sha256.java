package org.moelab.bitsmoe.artifact;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** Streaming SHA-256 of files (the artifact's provenance and tamper checks). */
final class Sha256 {

    private Sha256() {
    }

    static String of(List<Path> files) {
        MessageDigest md = digest();
        byte[] buf = new byte[1 << 20];
        for (Path f : files.stream().sorted().toList()) {
            try (InputStream in = Files.newInputStream(f)) {
                for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot hash " + f + ": " + e.getMessage(), e);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
