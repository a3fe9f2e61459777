package org.moelab.synth;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.moelab.Progress;
import org.moelab.checkpoint.ArtifactDirectory;
import org.moelab.checkpoint.Checkpoint;
import org.moelab.checkpoint.CheckpointWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a random-weight checkpoint with a real model's shapes in the Hugging Face layout: config.json,
 * bf16 shards {@code model-0000i-of-0000n.safetensors} with {@code model.safetensors.index.json}, and a
 * tokenizer ({@link SynthTokenizer}), plus {@code moelab.json} saying what it is. Tensors are generated
 * while they are written ({@link ShardWriter}); the whole directory is written into a temporary sibling
 * and renamed into place ({@link ArtifactDirectory#write}), so a crash or a full disk leaves nothing
 * half-written under the final name.
 *
 * <p>For speed and memory work (decode rooflines, scale tests), not for quality: the weights carry no
 * knowledge, and their spectra are those of random matrices, flatter than a trained model's.
 */
public final class SyntheticCheckpoint {

    public static final String FORMAT = "moelab.synth/1";
    public static final String EOS_TOKEN = "<|endoftext|>";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * @param layers     decoder layers to write (1 .. the real count)
     * @param shardBytes most bytes of tensor data per shard (a larger single tensor gets a shard of its own)
     * @param tokenizer  a byte-level BPE tokenizer.json with at most V ids
     */
    public record Options(SynthShape shape, int layers, long seed, long shardBytes, Path tokenizer) {

        public Options {
            if (layers < 1 || layers > shape.realLayers()) {
                throw new IllegalArgumentException("--layers " + layers + ": " + shape.name() + " has 1 to " + shape.realLayers() + " layers");
            }
            if (shardBytes < 1) throw new IllegalArgumentException("shard size " + shardBytes + " bytes");
        }
    }

    /** What was written. */
    public record Summary(Path out, long bytes, int shards, int tensors, SynthTokenizer.Written tokenizer, double seconds) {
    }

    private SyntheticCheckpoint() {
    }

    /** The repository tokenizer for a shape: the Qwen3 BPE where it fits V (Qwen3: 151,669 ids ≤ 151,936), else the teaching model's 4,096-id BPE. */
    public static Path defaultTokenizer(Path home, SynthShape shape) {
        return home.resolve(shape.vocab() >= 151669 ? "core/src/test/resources/tokenizers/qwen3/tokenizer.json"
                : "models/moelab-tiny-qwen3moe/tokenizer.json");
    }

    public static Summary write(Path out, Options o, Progress progress) {
        long t0 = System.nanoTime();
        List<SynthTensors.Spec> specs = SynthTensors.of(o.shape(), o.layers());
        List<List<SynthTensors.Spec>> shards = shard(specs, o.shardBytes());
        long dataBytes = specs.stream().mapToLong(SynthTensors.Spec::bf16Bytes).sum();
        checkSpace(out, dataBytes);
        if (!Files.isRegularFile(o.tokenizer())) throw new IllegalArgumentException("tokenizer " + o.tokenizer() + " not found");
        long[] written = {0};
        SynthTokenizer.Written[] tok = new SynthTokenizer.Written[1];
        ArtifactDirectory.write(out, tmp -> {
            tok[0] = SynthTokenizer.write(o.tokenizer(), o.shape().vocab(), EOS_TOKEN, tmp);
            CheckpointWriter.writeText(tmp.resolve("config.json"), JSON.writeValueAsString(SynthConfig.json(o.shape(), o.layers(), tok[0].eosId())));
            Map<String, String> weightMap = new LinkedHashMap<>();
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", "pt");
            meta.put("moelab.synthetic", o.shape().name() + " seed " + o.seed() + ": random weights, real shapes");
            long done = 0;
            for (int i = 0; i < shards.size(); i++) {
                String file = shards.size() == 1 ? Checkpoint.SINGLE_FILE
                        : String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
                written[0] += ShardWriter.write(tmp.resolve(file), shards.get(i), meta, o.seed(), o.shape().initStd());
                for (SynthTensors.Spec s : shards.get(i)) {
                    weightMap.put(s.name(), file);
                    done += s.bf16Bytes();
                }
                progress.update("synth", done, dataBytes);
            }
            if (shards.size() > 1) {
                ObjectNode index = JSON.createObjectNode();
                index.putObject("metadata").put("total_size", dataBytes);
                ObjectNode map = index.putObject("weight_map");
                weightMap.forEach(map::put);
                CheckpointWriter.writeText(tmp.resolve(Checkpoint.INDEX_FILE), JSON.writeValueAsString(index));
            }
            ObjectNode manifest = JSON.createObjectNode();
            manifest.put("format", FORMAT).put("like", o.shape().name()).put("source", o.shape().source()).put("layers", o.layers())
                    .put("real_layers", o.shape().realLayers()).put("seed", o.seed()).put("init", "uniform, std " + o.shape().initStd())
                    .put("tokenizer", o.tokenizer().getFileName().toString()).put("tokenizer_ids", tok[0].sourceIds())
                    .put("placeholder_ids", tok[0].placeholders()).put("bytes", written[0]).put("createdBy", "moelab");
            CheckpointWriter.writeText(tmp.resolve(ArtifactDirectory.MANIFEST), JSON.writeValueAsString(manifest));
        });
        return new Summary(out, written[0], shards.size(), specs.size(), tok[0], (System.nanoTime() - t0) / 1e9);
    }

    /** Tensors in order, a new shard whenever the next tensor would take the current one past the limit. */
    static List<List<SynthTensors.Spec>> shard(List<SynthTensors.Spec> specs, long limit) {
        List<List<SynthTensors.Spec>> out = new ArrayList<>();
        List<SynthTensors.Spec> cur = new ArrayList<>();
        long size = 0;
        for (SynthTensors.Spec s : specs) {
            if (!cur.isEmpty() && size + s.bf16Bytes() > limit) {
                out.add(cur);
                cur = new ArrayList<>();
                size = 0;
            }
            cur.add(s);
            size += s.bf16Bytes();
        }
        if (!cur.isEmpty()) out.add(cur);
        return out;
    }

    private static void checkSpace(Path out, long bytes) {
        Path p = out.toAbsolutePath().normalize();
        while (p != null && !Files.exists(p)) p = p.getParent();
        if (p == null) return;
        try {
            long free = Files.getFileStore(p).getUsableSpace();
            if (free < bytes + (64L << 20)) {
                throw new IllegalArgumentException(String.format("--out %s: needs %.2f GB, only %.2f GB free on its file system",
                        out, bytes / 1e9, free / 1e9));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check free space at " + p + ": " + e.getMessage(), e);
        }
    }
}
