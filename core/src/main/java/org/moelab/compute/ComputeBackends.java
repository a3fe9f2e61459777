package org.moelab.compute;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Finds the {@link ComputeBackend}s on the class path and chooses one, once per JVM.
 *
 * <p>{@code -Dmoelab.compute=cpu|opencl} names a backend: it must be present and usable, or the choice fails
 * with a message saying why (an explicit request never falls back silently). Unset or {@code auto}: the usable
 * backend that allows automatic use with the highest priority; the OpenCL backend allows it only on a GPU,
 * since on a CPU OpenCL device (pocl) the Vector API path is faster. The choice is logged as one line on stderr.
 */
public final class ComputeBackends {

    public static final String PROPERTY = "moelab.compute";

    /**
     * The outcome of a selection.
     *
     * @param chosen    the backend every caller of {@link #chosen()} gets
     * @param requested the property's value ("auto" when unset)
     * @param reason    why this one, in one line
     * @param found     every backend found, with what its probe said, in priority order
     */
    public record Selection(ComputeBackend chosen, String requested, String reason, List<Found> found) {

        /** The line logged when the choice is made. */
        public String logLine() {
            return "compute: " + chosen.name() + " (" + chosen.probe().device() + "): " + reason;
        }
    }

    /** A backend and its probe. */
    public record Found(ComputeBackend backend, ComputeBackend.Probe probe) {
    }

    private ComputeBackends() {
    }

    /** Holder idiom: the selection runs once, on first use, and is then fixed for the JVM. */
    private static final class Chosen {
        static final Selection SELECTION = log(select(System.getProperty(PROPERTY, "auto")));

        private static Selection log(Selection s) {
            if (System.getenv("MOELAB_QUIET") == null) System.err.println("[moelab] " + s.logLine());
            return s;
        }
    }

    /** The backend chosen for this JVM (selects and logs on first call). */
    public static ComputeBackend chosen() {
        return Chosen.SELECTION.chosen();
    }

    /** The selection behind {@link #chosen()}. */
    public static Selection selection() {
        return Chosen.SELECTION;
    }

    /** Every backend {@link ServiceLoader} finds, highest priority first; the CPU backend is always among them. */
    public static List<ComputeBackend> found() {
        List<ComputeBackend> out = new ArrayList<>();
        ServiceLoader<ComputeBackend> loader = ServiceLoader.load(ComputeBackend.class, ComputeBackends.class.getClassLoader());
        for (var it = loader.iterator(); ; ) {
            try {
                if (!it.hasNext()) break;
                out.add(it.next());
            } catch (ServiceConfigurationError e) {
                System.err.println("[moelab] compute: skipping a backend that cannot be loaded: " + e.getMessage());
            }
        }
        if (out.stream().noneMatch(b -> b.name().equals(CpuBackend.NAME))) out.add(new CpuBackend());
        out.sort(Comparator.comparingInt(ComputeBackend::priority).reversed());
        return out;
    }

    /** The backend called {@code name} among {@link #found()}, or null. */
    public static ComputeBackend byName(String name) {
        return found().stream().filter(b -> b.name().equals(name)).findFirst().orElse(null);
    }

    /**
     * Selects for a request ("auto", "cpu", "opencl", ...). Throws {@link IllegalStateException} when a named
     * backend is missing or unusable here.
     */
    public static Selection select(String requested) {
        String req = requested == null || requested.isBlank() ? "auto" : requested.trim().toLowerCase(Locale.ROOT);
        List<Found> found = new ArrayList<>();
        for (ComputeBackend b : found()) found.add(new Found(b, b.probe()));
        List<String> names = found.stream().map(f -> f.backend().name()).toList();
        if (!req.equals("auto")) {
            Found f = found.stream().filter(x -> x.backend().name().equals(req)).findFirst().orElseThrow(() -> new IllegalStateException(
                    "-D" + PROPERTY + "=" + req + ": no such compute backend on the class path (found: " + names + ")"
                            + (req.equals("opencl") ? "; the opencl module's jar (moelab-opencl) and Aparapi must be on the class path, as ./moelab puts them once built" : "")));
            if (!f.probe().usable()) {
                throw new IllegalStateException("-D" + PROPERTY + "=" + req + " was requested but cannot run here: " + f.probe().reason());
            }
            return new Selection(f.backend(), req, "requested with -D" + PROPERTY + "=" + req, List.copyOf(found));
        }
        StringBuilder passed = new StringBuilder();
        for (Found f : found) {
            if (f.probe().usable() && f.probe().automatic()) {
                String why = "automatic: highest-priority usable backend" + (passed.isEmpty() ? "" : " (" + passed + ")");
                return new Selection(f.backend(), req, why, List.copyOf(found));
            }
            if (!passed.isEmpty()) passed.append("; ");
            passed.append("not ").append(f.backend().name()).append(": ").append(f.probe().reason());
        }
        throw new IllegalStateException("no usable compute backend (" + passed + ")"); // unreachable: cpu is always usable
    }
}
