package org.moelab.kernel;

import io.github.spencerpark.jupyter.kernel.BaseKernel;
import io.github.spencerpark.jupyter.kernel.magic.registry.Magics;

/**
 * Loads the moelab magics into a running IJava kernel. With the kernel-ext jar and its dependencies on
 * {@code IJAVA_CLASSPATH}, set {@code IJAVA_STARTUP_SCRIPT} to {@code org.moelab.kernel.IJavaSupport.install();}
 * (see kernel-ext/README.md). IJava is reached reflectively, so this jar does not depend on it.
 */
public final class IJavaSupport {

    private static MagicHost host;

    private IJavaSupport() {
    }

    /** Registers every magic extension with IJava's magics registry; a second call does nothing. */
    public static synchronized MagicHost install() {
        if (host != null) return host;
        try {
            Class<?> ijava = Class.forName("io.github.spencerpark.ijava.IJava");
            BaseKernel kernel = (BaseKernel) ijava.getMethod("getKernelInstance").invoke(null);
            if (kernel == null) throw new IllegalStateException("IJava is loaded but has no kernel instance");
            Magics magics = (Magics) kernel.getClass().getMethod("getMagics").invoke(kernel);
            host = MagicHost.withExtensions(kernel, magics);
            KernelRuntime.install(kernel, host);
            return host;
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("IJava is not on the class path: IJavaSupport.install() is for IJava kernels "
                    + "(the moelab kernel loads the magics itself)", e);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot reach IJava's kernel: " + e, e);
        }
    }
}
