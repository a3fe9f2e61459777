package org.moelab.cli;

import org.moelab.synth.SynthShape;
import org.moelab.synth.SyntheticCheckpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

@Command(name = "synth", mixinStandardHelpOptions = true,
        header = "Write a random-weight checkpoint with a real MoE model's shapes (for speed and memory work).",
        description = {"Write a random-weight checkpoint with a real MoE model's shapes (Hugging Face layout: config.json,",
                "bf16 safetensors shards + index, tokenizer) for speed and memory work. Weights are random (init std),",
                "so quality numbers on it mean nothing. Written atomically; streams tensor by tensor."})
final class SynthCommand implements Runnable {

    @Option(names = "--like", required = true, paramLabel = "NAME", description = "Shape to copy: qwen3-30b-a3b, mixtral-8x7b, olmoe-1b-7b.")
    String like;

    @Option(names = "--layers", paramLabel = "N", description = "Decoder layers to write (default ${DEFAULT-VALUE}).")
    int layers = 2;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write (replaced only if it is a moelab output).")
    Path out;

    @Option(names = "--seed", description = "Random seed; the same seed gives the same bytes (default ${DEFAULT-VALUE}).")
    long seed = 0;

    @Option(names = "--shard-mib", paramLabel = "MIB", description = "Most MiB per shard (default ${DEFAULT-VALUE}).")
    long shardMib = 2048;

    @Option(names = "--json", description = "Print one JSON line {out, like, layers, bytes, shards, tensors, seconds}.")
    boolean json;

    @Override
    public void run() {
        SynthShape shape = SynthShape.named(like);
        if (shardMib < 1) throw new IllegalArgumentException("--shard-mib must be >= 1, got " + shardMib);
        Path tok = SyntheticCheckpoint.defaultTokenizer(ModelOption.home(), shape);
        var o = new SyntheticCheckpoint.Options(shape, layers, seed, shardMib << 20, tok);
        Log.info("writing %s-shaped checkpoint, %d of %d layers, %.2f GB, to %s", shape.name(), layers, shape.realLayers(),
                shape.checkpointBytes(layers) / 1e9, out);
        SyntheticCheckpoint.Summary s = SyntheticCheckpoint.write(out, o, Log.progressBar());
        Log.info("tokenizer %s: %d ids of its own + %d placeholder ids <|synth_ID|> up to vocab_size %d", tok.getFileName(),
                s.tokenizer().sourceIds(), s.tokenizer().placeholders(), shape.vocab());
        if (json) {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("out", out.toAbsolutePath().toString());
            r.put("like", shape.name());
            r.put("layers", layers);
            r.put("bytes", s.bytes());
            r.put("shards", s.shards());
            r.put("tensors", s.tensors());
            r.put("seconds", s.seconds());
            Json.print(r);
        } else {
            System.out.printf(Locale.ROOT, "wrote %s: %s-shaped, %d layers, %d tensors in %d shard(s), %d bytes, %.1f s%n",
                    out, shape.name(), layers, s.tensors(), s.shards(), s.bytes(), s.seconds());
        }
    }
}
