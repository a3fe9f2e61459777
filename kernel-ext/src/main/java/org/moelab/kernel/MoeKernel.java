package org.moelab.kernel;

import io.github.spencerpark.jupyter.channels.JupyterConnection;
import io.github.spencerpark.jupyter.channels.JupyterSocket;
import io.github.spencerpark.jupyter.kernel.BaseKernel;
import io.github.spencerpark.jupyter.kernel.KernelConnectionProperties;
import io.github.spencerpark.jupyter.kernel.LanguageInfo;
import io.github.spencerpark.jupyter.kernel.ReplacementOptions;
import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import io.github.spencerpark.jupyter.kernel.magic.registry.Magics;
import org.moelab.kernel.client.BackendClient;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.UnresolvedReferenceException;
import org.moelab.kernel.jshell.CapturingExecutionControl;
import org.moelab.kernel.jshell.CapturingExecutionProvider;
import org.moelab.kernel.jshell.MagicSourceTransformer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Level;

/**
 * The moelab Jupyter kernel: Java through JShell (in this JVM, so values render as HTML and SVG), the
 * {@code %moe-*} magics of every {@link MagicExtension} on the class path, and an interrupt that stops the cell
 * and cancels the backend job it waits on. Built on jupyter-jvm-basekernel, as IJava is.
 *
 * <p>Start: {@code java -cp <kernel-ext classpath> org.moelab.kernel.MoeKernel <connection-file>} (the kernelspec
 * that {@code ./moelab lab} installs does this).
 */
public final class MoeKernel extends BaseKernel implements AutoCloseable {

    static final List<String> STARTUP = List.of(
            "import java.util.*;",
            "import java.util.stream.*;",
            "import org.moelab.kernel.KernelRuntime;",
            "import org.moelab.kernel.magics.*;",
            "import org.moelab.kernel.render.*;");

    /** Held so the level sticks (java.util.logging keeps loggers weakly): the base kernel's loops log at INFO. */
    private static final java.util.logging.Logger ROOT_LOG = java.util.logging.Logger.getLogger("");

    private final JShell shell;
    private final MagicHost host;
    private final MagicSourceTransformer transformer;
    private final LanguageInfo languageInfo;

    /** Every magic extension on the class path; the backend from MOELAB_BACKEND_URL. */
    public MoeKernel() {
        this(BackendClient::fromEnvironment);
    }

    public MoeKernel(Supplier<BackendClient> clients) {
        this.host = MagicHost.withExtensions(this, new Magics(), clients);
        KernelRuntime.install(this, this.host);
        // Vert.x threads must not start inside a cell (they would join its thread group and be interrupted with it)
        warmUpBackendClient();
        this.transformer = new MagicSourceTransformer(this.host::resultType);
        ClassLoader loader = MoeKernel.class.getClassLoader();
        this.shell = JShell.builder().executionEngine(new CapturingExecutionProvider(loader), Map.of()).build();
        shell.addToClasspath(System.getProperty("java.class.path"));
        for (String s : STARTUP) {
            for (SnippetEvent e : shell.eval(s)) {
                if (e.status() == Snippet.Status.REJECTED) throw new IllegalStateException("kernel start-up snippet failed: " + s);
            }
        }
        this.languageInfo = new LanguageInfo.Builder("Java").version(Runtime.version().toString()).mimetype("text/x-java-source")
                .fileExtension(".jshell").pygments("java").codemirror("text/x-java").build();
    }

    private void warmUpBackendClient() {
        try {
            host.backend().warmUp();
        } catch (RuntimeException e) {
            // a bad MOELAB_BACKEND_URL: the first magic reports it
        }
    }

    public MagicHost host() {
        return host;
    }

    @Override
    public LanguageInfo getLanguageInfo() {
        return languageInfo;
    }

    @Override
    public String getBanner() {
        return "moelab kernel (Java " + Runtime.version() + ", JShell) - %moe-models, %moe-quantize, %moe-allocate, %moe-generate; --help on each";
    }

    @Override
    public DisplayData eval(String code) throws Exception {
        Object result;
        try {
            result = evalRaw(code);
        } catch (EvalException e) {
            // named MagicException in the notebook's error output rather than JShell's wrapper
            if (isMagicError(e.getExceptionClassName())) throw new MagicException(e.getMessage());
            throw e;
        }
        if (result == null) return null;
        return result instanceof DisplayData d ? d : getRenderer().render(result);
    }

    /** Runs a cell; the value of its last expression, or null. */
    public Object evalRaw(String code) throws Exception {
        String source = transformer.transform(code);
        SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
        Object last = null;
        SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(source);
        while (info.completeness().isComplete()) {
            last = evalSnippet(info.source());
            info = analysis.analyzeCompletion(info.remaining());
        }
        if (info.completeness() != SourceCodeAnalysis.Completeness.EMPTY) {
            throw new KernelException("incomplete input: " + info.remaining().strip());
        }
        return last;
    }

    private Object evalSnippet(String code) throws Exception {
        List<SnippetEvent> events = shell.eval(code);
        Object result = null;
        for (SnippetEvent e : events) {
            if (e.causeSnippet() != null) continue;
            Object v = e.value() == null ? CapturingExecutionControl.NONE : CapturingExecutionControl.take(e.value());
            switch (e.snippet().subKind()) {
                // System.out.printf(...) returns the stream: not worth an Out[n]
                case VAR_VALUE_SUBKIND, OTHER_EXPRESSION_SUBKIND, TEMP_VAR_EXPRESSION_SUBKIND ->
                        result = v == CapturingExecutionControl.NONE || v instanceof java.io.PrintStream ? null : v;
                default -> result = null;
            }
        }
        for (SnippetEvent e : events) {
            if (e.causeSnippet() != null) continue;
            JShellException ex = e.exception();
            if (ex != null) throw ex;
            if (e.status() == Snippet.Status.REJECTED) throw new KernelException(diagnostics(e.snippet()));
        }
        return result;
    }

    private String diagnostics(Snippet s) {
        StringBuilder sb = new StringBuilder();
        shell.diagnostics(s).forEach((Diag d) -> {
            if (!sb.isEmpty()) sb.append('\n');
            String src = s.source();
            int start = (int) Math.max(0, Math.min(src.length(), d.getStartPosition()));
            int lineStart = src.lastIndexOf('\n', Math.max(0, start - 1)) + 1;
            int lineEnd = src.indexOf('\n', start);
            String line = src.substring(lineStart, lineEnd < 0 ? src.length() : lineEnd);
            sb.append(d.getMessage(Locale.ROOT).lines().findFirst().orElse("error")).append('\n').append(line).append('\n')
                    .append(" ".repeat(Math.max(0, start - lineStart))).append('^');
        });
        return sb.isEmpty() ? "the snippet was rejected: " + s.source().strip() : sb.toString();
    }

    /** One red line for problems a user fixes (magic errors), the stack trace for everything else. */
    @Override
    public List<String> formatError(Exception e) {
        if (e instanceof KernelException || e instanceof MagicException) return styled(e.getMessage());
        if (e instanceof EvalException ev && isMagicError(ev.getExceptionClassName())) return styled(ev.getMessage());
        if (e instanceof EvalException ev && ThreadDeath.class.getName().equals(ev.getExceptionClassName())) return styled("interrupted");
        if (e instanceof UnresolvedReferenceException u) {
            return styled("unresolved reference in: " + u.getSnippet().source().strip());
        }
        if (e instanceof EvalException ev) {
            List<String> lines = new ArrayList<>();
            for (String l : super.formatError(e)) lines.add(l.replace(EvalException.class.getName(), ev.getExceptionClassName()));
            return lines;
        }
        return super.formatError(e);
    }

    private List<String> styled(String message) {
        List<String> out = new ArrayList<>();
        String m = message == null ? "error" : message;
        m.lines().forEach(l -> out.add(errorStyler.secondary(l)));
        return out;
    }

    static boolean isMagicError(String className) {
        if (className == null || !className.startsWith("org.moelab.")) return false;
        try {
            return MagicException.class.isAssignableFrom(Class.forName(className, false, MoeKernel.class.getClassLoader()));
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    @Override
    public String isComplete(String code) {
        String source = transformer.transform(code);
        SourceCodeAnalysis.CompletionInfo info = shell.sourceCodeAnalysis().analyzeCompletion(source);
        while (info.completeness().isComplete()) {
            info = shell.sourceCodeAnalysis().analyzeCompletion(info.remaining());
        }
        return switch (info.completeness()) {
            case EMPTY, COMPLETE, COMPLETE_WITH_SEMI -> IS_COMPLETE_YES;
            case DEFINITELY_INCOMPLETE, CONSIDERED_INCOMPLETE -> "    ";
            case UNKNOWN -> IS_COMPLETE_BAD;
        };
    }

    @Override
    public ReplacementOptions complete(String code, int at) {
        int[] anchor = new int[1];
        List<SourceCodeAnalysis.Suggestion> s = shell.sourceCodeAnalysis().completionSuggestions(code, at, anchor);
        if (s == null || s.isEmpty()) return null;
        List<String> options = s.stream().map(SourceCodeAnalysis.Suggestion::continuation).distinct().toList();
        return new ReplacementOptions(options, anchor[0], at);
    }

    /** The notebook's stop button: cancel the backend jobs magics wait on, and stop the running cell. */
    @Override
    public void interrupt() {
        host.interrupt();
        shell.stop();
    }

    @Override
    public void onShutdown(boolean isRestarting) {
        close();
    }

    @Override
    public void close() {
        host.close();
        shell.close();
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: java -cp <classpath> org.moelab.kernel.MoeKernel <jupyter-connection-file>");
            System.exit(2);
        }
        Path file = Path.of(args[0]);
        if (!Files.isRegularFile(file)) {
            System.err.println("moelab kernel: connection file " + file + " not found");
            System.exit(2);
        }
        JupyterSocket.JUPYTER_LOGGER.setLevel(Level.WARNING);
        ROOT_LOG.setLevel(Level.WARNING);
        KernelConnectionProperties props = KernelConnectionProperties.parse(Files.readString(file));
        JupyterConnection connection = new JupyterConnection(props);
        MoeKernel kernel = new MoeKernel();
        kernel.becomeHandlerForConnection(connection);
        connection.connect();
        connection.waitUntilClose();
        kernel.close();
        System.exit(0);
    }

    /** A kernel-side problem with the cell (does not compile, incomplete): shown as its message only. */
    static final class KernelException extends Exception {
        KernelException(String message) {
            super(message, null, false, false);
        }
    }
}
