package org.moelab.kernel;

/**
 * A set of magics found through {@link java.util.ServiceLoader} (META-INF/services/org.moelab.kernel.MagicExtension).
 * The moelab kernel loads every extension on its class path at start; in IJava, {@link IJavaSupport#install()}
 * does the same.
 */
public interface MagicExtension {

    void register(MagicHost host);
}
