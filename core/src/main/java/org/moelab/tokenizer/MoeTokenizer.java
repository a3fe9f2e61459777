package org.moelab.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.LibUtils;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A Hugging Face {@code tokenizer.json} tokenizer, run by the Rust {@code tokenizers} library through DJL.
 *
 * <p>Going through the reference implementation (rather than a Java re-implementation of byte-level BPE)
 * is what makes the ids match the ones the models were trained and evaluated with, byte for byte.
 * Encoding adds no special tokens: Qwen-style models use no BOS, and callers that want one add it
 * explicitly. Truncation and padding are off, so long texts (a whole evaluation set) encode in full.
 *
 * <p>DJL is kept offline: before first use its cache (where the bundled native library is extracted) is
 * pointed at {@code ${user.home}/.cache/moelab/djl} unless {@code DJL_CACHE_DIR} is already set, and its
 * offline mode and telemetry opt-out are switched on unless set, because DJL otherwise probes the EC2
 * metadata endpoint (telemetry) when a tokenizer is created.
 */
public final class MoeTokenizer implements AutoCloseable {

    /** DJL option names; "false" for truncation/padding means "do not", which DJL does not default to. */
    private static final Map<String, String> DJL_OPTIONS = Map.of(
            "addSpecialTokens", "false",
            "truncation", "false",
            "padding", "false",
            "doLowerCase", "false");

    private final Path file;
    private final HuggingFaceTokenizer hf;
    /** Token string to id, base vocabulary plus added tokens: DJL exposes no token lookup of its own. */
    private final Map<String, Integer> vocab;
    private final int vocabSize;

    private MoeTokenizer(Path file, HuggingFaceTokenizer hf, Map<String, Integer> vocab) {
        this.file = file;
        this.hf = hf;
        this.vocab = vocab;
        this.vocabSize = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
    }

    /**
     * Loads {@code tokenizer.json}, given either the file or the model directory holding it.
     *
     * @throws IllegalArgumentException naming the file when it is missing, unreadable or not a tokenizer
     * @throws IllegalStateException when DJL's native library cannot be loaded (not the file's fault)
     */
    public static MoeTokenizer load(Path modelDirOrTokenizerJson) {
        Objects.requireNonNull(modelDirOrTokenizerJson, "modelDirOrTokenizerJson");
        Path file = Files.isDirectory(modelDirOrTokenizerJson)
                ? modelDirOrTokenizerJson.resolve("tokenizer.json") : modelDirOrTokenizerJson;
        file = file.toAbsolutePath().normalize();
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("tokenizer.json not found: " + file);
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read tokenizer.json " + file + ": " + e, e);
        }
        Map<String, Integer> vocab;
        try {
            vocab = readVocab(bytes);
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            throw new IllegalArgumentException("malformed tokenizer.json " + file + ": " + e.getOriginalMessage()
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"), e);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("malformed tokenizer.json " + file + ": " + e.getMessage(), e);
        }
        DjlSetup.ensureOffline();
        try {
            LibUtils.checkStatus();
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot load the DJL tokenizers native library (cache dir "
                    + DjlSetup.cacheDir() + "): " + e.getMessage(), e);
        }
        try {
            var hf = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(bytes), DJL_OPTIONS);
            return new MoeTokenizer(file, hf, vocab);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("malformed tokenizer.json " + file + ": " + e.getMessage(), e);
        }
    }

    /** The token ids of {@code text}, with no special tokens added (special tokens written in the text still count). */
    public int[] encode(String text) {
        Objects.requireNonNull(text, "text");
        long[] ids = hf.encode(text, false, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = Math.toIntExact(ids[i]);
        return out;
    }

    /**
     * The text of {@code ids}, special tokens included, so that {@code decode(encode(s))} gives back {@code s}
     * (for text the normalizer leaves alone). Bytes of an incomplete UTF-8 sequence come out as U+FFFD.
     *
     * @throws IllegalArgumentException for an id outside {@code [0, vocabSize())}, which the native decoder
     *                                  would otherwise drop silently
     */
    public String decode(int[] ids) {
        long[] longs = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                throw new IllegalArgumentException("token id " + ids[i] + " at position " + i
                        + " outside the vocabulary [0, " + vocabSize + ") of " + file);
            }
            longs[i] = ids[i];
        }
        return hf.decode(longs, false);
    }

    /**
     * One more than the largest token id, added tokens included. Models often pad their embedding matrix
     * beyond this (Qwen: 151,669 ids here, 151,936 rows there), so do not compare it with {@code vocab_size}.
     */
    public int vocabSize() {
        return vocabSize;
    }

    /** The id of a token as written in the vocabulary (byte-level form, e.g. {@code "Ġthe"}), or of an added token. */
    public OptionalInt tokenId(String token) {
        Integer id = vocab.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** A fresh decoder for streaming generated tokens out as text. */
    public StreamingDecoder streamingDecoder() {
        return new StreamingDecoder(this);
    }

    /** The tokenizer.json this was loaded from. */
    public Path file() {
        return file;
    }

    @Override
    public void close() {
        hf.close();
    }

    /**
     * Reads {@code model.vocab} and {@code added_tokens} with a streaming parser, skipping the merges,
     * which are most of the file and which only the native side needs.
     */
    private static Map<String, Integer> readVocab(byte[] json) throws IOException {
        Map<String, Integer> vocab = new HashMap<>();
        ObjectMapper mapper = new ObjectMapper();
        try (JsonParser p = mapper.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new IOException("not a JSON object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "model" -> readModel(p, vocab);
                    case "added_tokens" -> {
                        JsonNode added = mapper.readTree(p);
                        if (added != null && added.isArray()) {
                            for (JsonNode t : added) vocab.put(t.path("content").asText(), t.path("id").asInt());
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new IOException("unexpected content at " + p.currentLocation());
            }
        }
        if (vocab.isEmpty()) throw new IOException("no model.vocab");
        return vocab;
    }

    /** BPE and WordPiece store {@code {token: id}}; Unigram stores {@code [[token, score], ...]} by id. */
    private static void readModel(JsonParser p, Map<String, Integer> vocab) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) throw new IOException("\"model\" is not an object");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            if (field.equals("vocab") && t == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String token = p.currentName();
                    p.nextToken();
                    vocab.put(token, p.getIntValue());
                }
            } else if (field.equals("vocab") && t == JsonToken.START_ARRAY) {
                int id = 0;
                while (p.nextToken() == JsonToken.START_ARRAY) {
                    p.nextToken();
                    vocab.putIfAbsent(p.getText(), id++);
                    while (p.nextToken() != JsonToken.END_ARRAY) p.skipChildren();
                }
            } else {
                p.skipChildren();
            }
        }
    }
}
