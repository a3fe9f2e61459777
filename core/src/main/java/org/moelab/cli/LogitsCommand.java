package org.moelab.cli;

import org.moelab.bitsmoe.artifact.BitsMoeArtifact;
import org.moelab.tokenizer.MoeTokenizer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.IntStream;

@Command(name = "logits", mixinStandardHelpOptions = true,
        description = "Last-position logits for a token sequence (to check against reference implementations).")
final class LogitsCommand implements Runnable {

    @Mixin
    ModelOption model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--ids", split = ",", paramLabel = "ID", description = "Comma-separated token ids, e.g. 1,2,3.")
        int[] ids;

        @Option(names = "--prompt", description = "Text to tokenize instead of --ids.")
        String prompt;
    }

    @Option(names = "--top", description = "Rows shown without --json (default ${DEFAULT-VALUE}).")
    int top = 10;

    @Option(names = "--json", description = "Print one JSON line {\"last\": [...]} with all logits.")
    boolean json;

    @Override
    public void run() {
        try (BitsMoeArtifact.Loaded lm = model.open()) {
            int[] ids = input.ids;
            MoeTokenizer tok = null;
            if (ids == null || !json) tok = MoeTokenizer.load(model.resolve());
            try {
                if (ids == null) ids = tok.encode(input.prompt);
                if (ids.length == 0) throw new IllegalArgumentException("no tokens given");
                float[] last = lm.transformer().newSession().feed(ids);
                if (json) {
                    Json.print(Map.of("last", last));
                    return;
                }
                System.out.println("ids " + Arrays.toString(ids));
                MoeTokenizer t = tok;
                IntStream.range(0, last.length).boxed()
                        .sorted(Comparator.comparingDouble(i -> -last[i])).limit(Math.max(1, top))
                        .forEach(i -> System.out.printf("%6d  %10.4f  %s%n", i, last[i], t.decode(new int[] {i}).replace("\n", "\\n")));
            } finally {
                if (tok != null) tok.close();
            }
        }
    }
}
