package org.moelab.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.moelab.TestData;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.moelab.tokenizer.Qwen2VocabVectorsTest.quote;

/** The teaching model's tokenizer: the ids its reference outputs were computed from, round trips, streaming. */
class MoeTokenizerTest {

    private static MoeTokenizer tok;

    @BeforeAll
    static void load() {
        tok = MoeTokenizer.load(TestData.teachingModel());
    }

    @AfterAll
    static void close() {
        if (tok != null) tok.close();
    }

    @Test
    void referencePromptsEncodeToTheirIds() {
        JsonNode prompts = TestData.json(TestData.teachingModel().resolve("reference.json")).path("prompts");
        assertEquals(5, prompts.size(), "prompts in reference.json");
        for (JsonNode p : prompts) {
            String text = p.get("prompt").asText();
            int[] ids = TestData.ints(p.get("input_ids"));
            assertArrayEquals(ids, tok.encode(text), () -> "encode " + quote(text));
            assertEquals(text, tok.decode(ids));
        }
    }

    @Test
    void vocabulary() {
        assertEquals(4096, tok.vocabSize());
        assertEquals(4095, tok.tokenId("<|endoftext|>").orElseThrow());
        assertArrayEquals(new int[] {4095}, tok.encode("<|endoftext|>"), "added tokens in text are recognised");
        assertTrue(tok.tokenId("no such token, surely").isEmpty());
        assertArrayEquals(new int[0], tok.encode(""));
        assertEquals("", tok.decode(new int[0]));
        assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {1, 4096}));
        assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {-1}));
    }

    @Test
    void fileAndDirectoryLoadTheSameTokenizer() {
        String text = "The whale, the whale! — said he.";
        try (MoeTokenizer fromFile = MoeTokenizer.load(TestData.teachingModel().resolve("tokenizer.json"))) {
            assertArrayEquals(tok.encode(text), fromFile.encode(text));
            assertEquals(tok.file(), fromFile.file());
        }
    }

    @Test
    void roundTripsAreExact() throws IOException {
        String val = valText();
        List<String> texts = new ArrayList<>(samples());
        texts.add(val.substring(0, val.offsetByCodePoints(0, 3000)));
        for (String s : texts) {
            assertEquals(s, tok.decode(tok.encode(s)), () -> "round trip of " + quote(s));
        }
    }

    @Test
    void wholeValidationTextIsNeitherTruncatedNorAltered() throws IOException {
        String val = valText();
        int[] ids = tok.encode(val);
        assertTrue(ids.length > 32_768, "reference.json measures perplexity over 32,768 tokens; got " + ids.length);
        assertEquals(val, tok.decode(ids));
    }

    @Test
    void streamingConcatenatesToTheFullDecode() throws IOException {
        List<String> texts = new ArrayList<>(samples());
        String val = valText();
        texts.add(val.substring(0, val.offsetByCodePoints(0, 2000)));
        boolean heldBack = false;
        for (String s : texts) {
            int[] ids = tok.encode(s);
            StreamingDecoder dec = tok.streamingDecoder();
            StringBuilder sb = new StringBuilder();
            for (int id : ids) {
                String piece = dec.accept(id);
                if (piece.isEmpty()) heldBack = true;
                if (!s.contains("\uFFFD")) {
                    assertFalse(piece.contains("\uFFFD"), () -> "replacement char streamed for " + quote(s));
                }
                sb.append(piece);
            }
            sb.append(dec.finish());
            assertEquals(ids.length, dec.tokenCount());
            assertEquals(tok.decode(ids), sb.toString(), () -> "streamed " + quote(s));
            assertEquals(s, sb.toString());
        }
        assertTrue(heldBack, "multi-byte characters split over tokens should have been held back at least once");
    }

    @Test
    void streamingEmitsAGenuineTrailingReplacementCharOnFinish() {
        String s = "ends badly \uFFFD";
        StreamingDecoder dec = tok.streamingDecoder();
        StringBuilder sb = new StringBuilder();
        for (int id : tok.encode(s)) sb.append(dec.accept(id));
        assertEquals("ends badly ", sb.toString());
        assertEquals("\uFFFD", dec.finish());
        assertEquals("", dec.finish());
    }

    private static List<String> samples() {
        return List.of(
                "The old man said that",
                "  leading spaces, trailing spaces   ",
                "whitespace runs:     five, \t\t two tabs,\n\n\n three newlines, \r\n CRLF, \u00a0nbsp",
                "\n",
                " ",
                "unicode: naïve café — “quotes” ½ months, Äpfel, Ωμέγα, русский, עברית, العربية",
                "CJK 日本語のテキスト 中文 한국어 and emoji 😀👍🏽🏳️‍🌈 (ZWJ sequence)",
                "combining e\u0301 vs é, ligature ﬁ, fullwidth ＡＢＣ",
                "code: if (x != 0) { return y[i] >>= 2; } // 3.14159e-10",
                "documents<|endoftext|>separated<|endoftext|>");
    }

    private static String valText() throws IOException {
        return Files.readString(TestData.existing(TestData.teachingModel().resolve("val.txt")), StandardCharsets.UTF_8);
    }
}
