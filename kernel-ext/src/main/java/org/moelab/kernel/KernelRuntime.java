package org.moelab.kernel;

import io.github.spencerpark.jupyter.kernel.BaseKernel;
import io.github.spencerpark.jupyter.kernel.display.DisplayData;

import java.util.List;

/**
 * What notebook code calls: the moelab kernel rewrites {@code %name args} into these (see
 * {@code MagicSourceTransformer}), and a cell may call them directly, e.g. {@code KernelRuntime.display(chart)}.
 */
public final class KernelRuntime {

    private static volatile MagicHost host;
    private static volatile BaseKernel kernel;
    private static volatile Object last;

    private KernelRuntime() {
    }

    /** Installs the host the calls go to (the kernel does this at start). */
    public static void install(BaseKernel k, MagicHost h) {
        kernel = k;
        host = h;
    }

    public static MagicHost host() {
        MagicHost h = host;
        if (h == null) throw new IllegalStateException("no moelab magic host installed (run inside the moelab kernel, or IJavaSupport.install())");
        return h;
    }

    /** {@code var x = %name args}: the magic's result. */
    public static Object lineMagic(String name, List<String> words) throws Exception {
        Object r = host().apply(name, words, null);
        if (r != null) last = r;
        return r;
    }

    /** {@code %name args} alone on a line. */
    public static void runLine(String name, List<String> words) throws Exception {
        lineMagic(name, words);
    }

    /** {@code %%name args} + body. */
    public static void runCell(String name, List<String> words, String body) throws Exception {
        Object r = host().apply(name, words, body);
        if (r != null) last = r;
    }

    /** The result of the last magic that returned one (e.g. after a cell magic, which cannot be assigned). */
    public static Object last() {
        return last;
    }

    /** The last magic result, if it is a {@code type}. */
    public static <T> T last(Class<T> type) {
        Object l = last;
        if (!type.isInstance(l)) {
            throw new MagicException("the last magic result is " + (l == null ? "none" : "a " + l.getClass().getSimpleName())
                    + ", not a " + type.getSimpleName());
        }
        return type.cast(l);
    }

    /** Shows any value as the kernel renders it (HTML tables and SVG charts for moelab results). */
    public static void display(Object value) {
        BaseKernel k = kernel;
        if (k == null) throw new IllegalStateException("no kernel installed");
        k.display(value instanceof DisplayData d ? d : k.getRenderer().render(value));
    }
}
