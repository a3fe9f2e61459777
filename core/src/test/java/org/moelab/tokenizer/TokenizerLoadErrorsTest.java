package org.moelab.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moelab.TestData;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A tokenizer that cannot be loaded must say which file is at fault. */
class TokenizerLoadErrorsTest {

    @TempDir
    Path dir;

    @Test
    void directoryWithoutTokenizerJson() {
        assertFailsNaming(dir, dir.resolve("tokenizer.json"));
    }

    @Test
    void missingFile() {
        Path file = dir.resolve("nope/tokenizer.json");
        assertFailsNaming(file, file);
    }

    @Test
    void truncatedJson() throws IOException {
        byte[] real = Files.readAllBytes(TestData.teachingModel().resolve("tokenizer.json"));
        Path file = Files.write(dir.resolve("tokenizer.json"), Arrays.copyOf(real, real.length / 2));
        assertFailsNaming(dir, file);
    }

    @Test
    void jsonThatIsNotATokenizer() throws IOException {
        Path file = Files.writeString(dir.resolve("other.json"), "{\"hidden_size\": 256}");
        assertFailsNaming(file, file);
    }

    @Test
    void tokenizerTheNativeLibraryRejects() throws IOException {
        Path file = Files.writeString(dir.resolve("tokenizer.json"),
                "{\"model\": {\"type\": \"NoSuchModel\", \"vocab\": {\"a\": 0}}}");
        assertFailsNaming(file, file);
    }

    private static void assertFailsNaming(Path argument, Path file) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MoeTokenizer.load(argument).close());
        String path = file.toAbsolutePath().toString();
        assertTrue(e.getMessage().contains(path), () -> "\"" + path + "\" not in: " + e.getMessage());
    }
}
