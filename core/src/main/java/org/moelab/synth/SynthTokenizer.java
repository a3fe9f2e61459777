package org.moelab.synth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.moelab.checkpoint.CheckpointWriter;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The tokenizer of a synthetic checkpoint: a real byte-level BPE tokenizer.json from the repository, with
 * every id from the tokenizer's own size up to V − 1 added as a special placeholder token
 * {@code <|synth_ID|>}, so that any token the model emits decodes (random weights emit anything) and the
 * vocabulary matches the embedding rows exactly. Text encodes with the real BPE; ids ≥ its size occur
 * only as model output. A tokenizer larger than V is refused: its ids would index past the embedding.
 */
public final class SynthTokenizer {

    /** What was written: the source's own id count and the placeholders added after it. */
    public record Written(int sourceIds, int placeholders, int eosId, String eosToken) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private SynthTokenizer() {
    }

    /** Reads {@code source} (a tokenizer.json), pads it to {@code vocab} ids and writes tokenizer.json + tokenizer_config.json into {@code dir}. */
    public static Written write(Path source, int vocab, String eosToken, Path dir) throws IOException {
        JsonNode root = JSON.readTree(source.toFile());
        if (root == null || !root.path("model").path("vocab").isObject()) {
            throw new IllegalArgumentException(source + " is not a BPE tokenizer.json (no model.vocab object)");
        }
        int max = -1;
        for (JsonNode id : root.path("model").path("vocab")) max = Math.max(max, id.asInt());
        ArrayNode added = root.has("added_tokens") && root.get("added_tokens").isArray()
                ? (ArrayNode) root.get("added_tokens") : ((ObjectNode) root).putArray("added_tokens");
        Integer eosId = null;
        for (JsonNode t : added) {
            max = Math.max(max, t.path("id").asInt());
            if (t.path("content").asText().equals(eosToken)) eosId = t.path("id").asInt();
        }
        int own = max + 1;
        if (own > vocab) {
            throw new IllegalArgumentException(source + " has " + own + " token ids, more than vocab_size " + vocab
                    + ": its ids would index past the embedding");
        }
        if (eosId == null) throw new IllegalArgumentException(source + " has no added token " + eosToken);
        for (int id = own; id < vocab; id++) {
            ObjectNode t = added.addObject();
            t.put("id", id).put("content", "<|synth_" + id + "|>").put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", true);
        }
        CheckpointWriter.writeText(dir.resolve("tokenizer.json"), JSON.writeValueAsString(root));
        ObjectNode cfg = JSON.createObjectNode();
        cfg.put("tokenizer_class", "PreTrainedTokenizerFast").put("eos_token", eosToken).putNull("bos_token");
        cfg.put("model_max_length", 1 << 20);
        CheckpointWriter.writeText(dir.resolve("tokenizer_config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(cfg));
        return new Written(own, vocab - own, eosId, eosToken);
    }
}
