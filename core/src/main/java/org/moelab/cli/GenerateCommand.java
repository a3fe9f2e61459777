package org.moelab.cli;

import org.moelab.bitsmoe.artifact.BitsMoeArtifact;
import org.moelab.runtime.Generator;
import org.moelab.runtime.SamplingOptions;
import org.moelab.tokenizer.MoeTokenizer;
import org.moelab.tokenizer.StreamingDecoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate text from a prompt, streaming tokens as they come.")
final class GenerateCommand implements Runnable {

    static final String DEFAULT_PROMPT = "The old man said that";

    @Mixin
    ModelOption model;

    @Option(names = {"-p", "--prompt"}, description = "The prompt. Default: \"${DEFAULT-VALUE}\".")
    String prompt = DEFAULT_PROMPT;

    @Option(names = {"-n", "--max-new"}, description = "Most tokens to generate (default ${DEFAULT-VALUE}).")
    int maxNew = 64;

    @Option(names = "--greedy", description = "Always take the most likely token (overrides --temperature/--top-p).")
    boolean greedy;

    @Option(names = {"-t", "--temperature"}, description = "Sampling temperature, > 0 (default ${DEFAULT-VALUE}).")
    double temperature = 0.8;

    @Option(names = "--top-p", description = "Nucleus sampling mass in (0, 1] (default ${DEFAULT-VALUE}).")
    double topP = 0.95;

    @Option(names = "--seed", description = "Random seed; the same seed gives the same text (default ${DEFAULT-VALUE}).")
    long seed = 42;

    @Option(names = "--json", description = "Stream text to stderr and print one JSON line {tokens, text, tokens_per_s} to stdout.")
    boolean json;

    @Override
    public void run() {
        if (maxNew < 0) throw new IllegalArgumentException("--max-new must be >= 0, got " + maxNew);
        if (!greedy && !(temperature > 0)) {
            throw new IllegalArgumentException("--temperature must be > 0 (use --greedy for argmax decoding), got " + temperature);
        }
        SamplingOptions sampling = greedy ? SamplingOptions.greedy() : new SamplingOptions(temperature, topP, seed);
        try (BitsMoeArtifact.Loaded lm = model.open(); MoeTokenizer tok = MoeTokenizer.load(model.resolve())) {
            int[] ids = tok.encode(prompt);
            if (ids.length == 0) throw new IllegalArgumentException("--prompt is empty after tokenization");
            PrintStream stream = json ? System.err : System.out;
            stream.print(prompt);
            stream.flush();
            StreamingDecoder decoder = new StreamingDecoder(tok);
            Generator.Result r = new Generator(lm.transformer()).generate(ids, maxNew, sampling,
                    lm.model().config().eosTokenIds(), token -> {
                        stream.print(decoder.accept(token));
                        stream.flush();
                        return true;
                    });
            stream.print(decoder.finish());
            stream.println();
            Log.info("%d prompt tokens, %d new tokens (stop: %s); prefill %.1f tok/s, decode %.1f tok/s",
                    ids.length, r.tokens().length, r.stop().name().toLowerCase(), r.prefillTokensPerSecond(), r.decodeTokensPerSecond());
            if (json) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("tokens", r.tokens());
                out.put("text", tok.decode(r.tokens()));
                out.put("tokens_per_s", r.decodeTokensPerSecond());
                out.put("prompt_tokens", ids.length);
                out.put("prefill_tokens_per_s", r.prefillTokensPerSecond());
                out.put("stop", r.stop().name().toLowerCase());
                Json.print(out);
            }
        }
    }
}
