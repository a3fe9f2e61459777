package org.moelab.tokenizer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.moelab.TestData;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Qwen3 tokenizer.json against llama.cpp's Qwen2 tokenizer test vectors: passing all of them is the
 * evidence that Qwen3 (and Qwen2-MoE, Qwen1.5-MoE) share the Qwen2 BPE, and that DJL runs it faithfully.
 */
class Qwen2VocabVectorsTest {

    private static final String SEPARATOR = "\n__ggml_vocab_test__\n";
    private static final int CASES = 46;

    private static MoeTokenizer tok;

    @BeforeAll
    static void load() {
        tok = MoeTokenizer.load(resources().resolve("qwen3/tokenizer.json"));
    }

    @AfterAll
    static void close() {
        if (tok != null) tok.close();
    }

    static Path resources() {
        return TestData.existing(TestData.repo().resolve("core/src/test/resources/tokenizers"));
    }

    @Test
    void everyLlamaCppCaseEncodesIdentically() throws IOException {
        Path dir = resources().resolve("llama.cpp-vocab");
        String inp = Files.readString(TestData.existing(dir.resolve("ggml-vocab-qwen2.gguf.inp")), StandardCharsets.UTF_8);
        List<String> out = Files.readAllLines(TestData.existing(dir.resolve("ggml-vocab-qwen2.gguf.out")),
                StandardCharsets.UTF_8);
        assertTrue(inp.endsWith(SEPARATOR), "every case in the .inp ends with the separator");
        List<String> cases = List.of(inp.substring(0, inp.length() - SEPARATOR.length())
                .split(Pattern.quote(SEPARATOR), -1));
        assertEquals(CASES, cases.size(), "cases in the .inp");
        assertEquals(CASES, out.size(), "lines in the .out");

        List<String> failures = new ArrayList<>();
        for (int i = 0; i < CASES; i++) {
            String text = cases.get(i);
            int[] expected = out.get(i).isBlank() ? new int[0]
                    : Arrays.stream(out.get(i).trim().split(" +")).mapToInt(Integer::parseInt).toArray();
            int[] actual = tok.encode(text);
            if (!Arrays.equals(expected, actual)) {
                failures.add("case " + i + " " + quote(text) + ": expected " + Arrays.toString(expected)
                        + " got " + Arrays.toString(actual));
            }
        }
        assertTrue(failures.isEmpty(), () -> failures.size() + "/" + CASES + " cases differ:\n" + String.join("\n", failures));
    }

    @Test
    void vocabularyAndSpecialTokens() {
        assertEquals(151_669, tok.vocabSize(), "151,643 BPE tokens + 26 added");
        assertEquals(151_643, tok.tokenId("<|endoftext|>").orElseThrow());
        assertEquals(151_644, tok.tokenId("<|im_start|>").orElseThrow());
        assertEquals(151_645, tok.tokenId("<|im_end|>").orElseThrow());
        assertArrayEquals(new int[] {151_644, 872, 198}, tok.encode("<|im_start|>user\n"));
        assertEquals(tok.tokenId("Ġthe").orElseThrow(), tok.encode(" the")[0]);
    }

    @Test
    void roundTripsNfcText() {
        for (String s : List.of("Hello world", "Qwen3-30B-A3B 有 128 个专家, 每个 token 选 8 个。",
                "  multiple   spaces\n\n\ttabs", "emoji 🤖🧠 and <|im_end|> inline", "Ünïcödé ñ ø")) {
            assertEquals(s, tok.decode(tok.encode(s)), () -> "round trip of " + quote(s));
        }
    }

    private static void assertArrayEquals(int[] expected, int[] actual) {
        assertEquals(Arrays.toString(expected), Arrays.toString(actual));
    }

    static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r") + "\"";
    }
}
