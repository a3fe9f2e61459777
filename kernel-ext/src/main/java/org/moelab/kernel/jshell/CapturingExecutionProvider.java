package org.moelab.kernel.jshell;

import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

import java.util.Map;

/** Hands JShell a {@link CapturingExecutionControl} whose snippets see {@code parent}'s classes (the kernel's). */
public final class CapturingExecutionProvider implements ExecutionControlProvider {

    private final ClassLoader parent;

    public CapturingExecutionProvider(ClassLoader parent) {
        this.parent = parent;
    }

    @Override
    public String name() {
        return "moelab-local";
    }

    @Override
    public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
        return new CapturingExecutionControl(parent);
    }
}
