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
