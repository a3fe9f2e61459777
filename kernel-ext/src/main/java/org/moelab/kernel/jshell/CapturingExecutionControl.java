package org.moelab.kernel.jshell;

import jdk.jshell.execution.LocalExecutionControl;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * JShell's in-process execution ({@link LocalExecutionControl}: snippets run in this JVM, loops in user code are
 * stoppable) that also keeps each snippet's value as an object, so the kernel can render it (HTML, SVG) rather than
 * only its {@code toString()}. The JShell protocol passes values as strings; here the string is a key into
 * {@link #take}.
 *
 * <p>How: the parent runs {@link #capture}, which runs the snippet, stores its value and returns the key; the
 * parent hands the key back quoted, as it quotes every String.
 */
public final class CapturingExecutionControl extends LocalExecutionControl {

    /** Marks a snippet whose value was null (the map takes no null values). */
    private static final Object NULL = new Object();
    /** Marks "no captured value under this key" for {@link #take}. */
    public static final Object NONE = new Object();
    private static final Method CAPTURE;

    static {
        try {
            CAPTURE = CapturingExecutionControl.class.getMethod("capture");
        } catch (NoSuchMethodException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The snippet method {@link #capture} runs next, and where it stores values (one control per kernel). */
    private static volatile Method pending;
    private static final Map<String, Object> RESULTS = new ConcurrentHashMap<>();

    public CapturingExecutionControl(ClassLoader parent) {
        super(parent);
    }

    @Override
    protected String invoke(Method doitMethod) throws Exception {
        pending = doitMethod;
        String quoted = super.invoke(CAPTURE);
        // valueString() quoted the key: "\"<uuid>\""
        return quoted.length() >= 2 && quoted.startsWith("\"") ? quoted.substring(1, quoted.length() - 1) : quoted;
    }

    /** Runs the pending snippet on the parent's snippet thread; its exceptions pass through unwrapped. */
    public static String capture() throws Throwable {
        Method doit = pending;
        Object value;
        try {
            doit.setAccessible(true);
            value = doit.invoke(null);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
        String key = UUID.randomUUID().toString();
        RESULTS.put(key, value == null ? NULL : value);
        return key;
    }

    /** The value stored under {@code key} (removing it), null for a null value, or {@link #NONE}. */
    public static Object take(String key) {
        Object v = key == null ? null : RESULTS.remove(key);
        if (v == null) return NONE;
        return v == NULL ? null : v;
    }
}
