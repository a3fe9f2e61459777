package org.moelab.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every command's {@code --help} prints its usage and nothing else: picocli formats descriptions with
 * {@code String.format}, so a bare '%' in a description ("5 %") prints a "[picocli WARN] Could not format"
 * line to the user and skips the description's line breaks.
 */
class HelpTextTest {

    @Test
    void everyCommandsHelpPrintsWithoutFormatWarnings() {
        List<List<String>> paths = new ArrayList<>();
        collect(new CommandLine(new MoelabCli()), new ArrayList<>(), paths);
        assertTrue(paths.size() >= 15, "expected the whole command tree, found " + paths);
        for (List<String> path : paths) {
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            MoelabCliTest.Run r = MoelabCliTest.run(args.toArray(String[]::new));
            String where = "moelab " + String.join(" ", args);
            assertEquals(0, r.code(), where + ": " + r.err());
            String all = r.out() + r.err();
            assertTrue(all.contains("Usage: moelab"), where + " printed no usage: " + all);
            assertFalse(all.contains("picocli WARN"), where + " printed a picocli warning:\n" + all);
            assertFalse(all.contains("%n"), where + " left an unformatted %n:\n" + all);
        }
    }

    /**
     * Command lists ({@code moelab --help}, {@code moelab bench --help}) show one line per command: the header, or
     * the first line of a description without one. Multi-line descriptions without a header were cut mid-sentence
     * there ("… split into"), so each command's summary must be one complete sentence.
     */
    @Test
    void everyCommandListsAOneSentenceSummary() {
        List<List<String>> paths = new ArrayList<>();
        CommandLine root = new CommandLine(new MoelabCli());
        collect(root, new ArrayList<>(), paths);
        for (List<String> path : paths) {
            if (path.isEmpty()) continue;
            CommandLine cmd = root;
            for (String name : path) cmd = cmd.getSubcommands().get(name);
            CommandLine.Model.UsageMessageSpec u = cmd.getCommandSpec().usageMessage();
            String[] summary = u.header().length > 0 ? u.header() : u.description();
            String where = "moelab " + String.join(" ", path);
            assertEquals(1, summary.length, where + ": the command list shows only the first of " + List.of(summary));
            assertTrue(summary[0].endsWith("."), where + ": summary is not a complete sentence: " + summary[0]);
        }
        MoelabCliTest.Run r = MoelabCliTest.run("--help");
        String flat = r.out().replaceAll("\\s+", " ");
        assertTrue(flat.contains("quantize Quantize the routed experts of a model (bitsmoe, mobie, rtn, gptq, routernorm) into an artifact."), r.out());
    }

    private static void collect(CommandLine cmd, List<String> path, List<List<String>> out) {
        out.add(List.copyOf(path));
        cmd.getSubcommands().forEach((name, sub) -> {
            if (!sub.getCommandName().equals(name)) return; // aliases
            if (name.equals("help")) return;
            List<String> next = new ArrayList<>(path);
            next.add(name);
            collect(sub, next, out);
        });
    }
}
