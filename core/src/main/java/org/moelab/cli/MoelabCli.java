package org.moelab.cli;

import org.moelab.checkpoint.CheckpointException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code ./moelab} launcher's Java subcommands. stdout carries results only (with
 * {@code --json}: exactly one JSON line); logs, progress and errors go to stderr. Exit codes: 0 ok,
 * 1 failure while running, 2 bad usage or bad input (with a one-line reason).
 */
@Command(name = "moelab", mixinStandardHelpOptions = true, versionProvider = MoelabCli.Version.class,
        description = "A workbench for quantizing Mixture-of-Experts language models.",
        subcommands = {InfoCommand.class, GenerateCommand.class, PplCommand.class, LogitsCommand.class,
                BenchCommand.class, QuantizeCommand.class, AllocateCommand.class, EvalCommand.class, CompareCommand.class,
                SynthCommand.class, CommandLine.HelpCommand.class})
public final class MoelabCli implements Runnable {

    public static final String VERSION = "0.1.0";

    /** Help text width: the descriptions are written in lines of up to ~110 characters; at picocli's 80 they broke mid-line. */
    static final int HELP_WIDTH = 120;

    @Override
    public void run() {
        new CommandLine(this).setUsageHelpWidth(HELP_WIDTH).usage(System.err);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command line and returns its exit code (tests call this directly). */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new MoelabCli()).setUsageHelpWidth(HELP_WIDTH);
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            boolean badInput = ex instanceof CheckpointException || ex instanceof IllegalArgumentException
                    || ex instanceof java.nio.file.NoSuchFileException;
            cmd.getErr().println("moelab " + cmd.getCommandName() + ": error: " + ex.getMessage());
            if (System.getenv("MOELAB_DEBUG") != null) ex.printStackTrace(cmd.getErr());
            return badInput ? 2 : 1;
        });
        return cli.execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"moelab " + VERSION + " (Java " + Runtime.version() + ")"};
        }
    }
}
