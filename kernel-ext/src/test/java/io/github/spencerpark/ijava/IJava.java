package io.github.spencerpark.ijava;

import io.github.spencerpark.jupyter.kernel.BaseKernel;
import io.github.spencerpark.jupyter.kernel.LanguageInfo;
import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import io.github.spencerpark.jupyter.kernel.magic.registry.Magics;

/**
 * A stand-in for IJava's entry class (IJava is not on Maven Central): the same static {@code getKernelInstance()}
 * and a kernel with IJava's public {@code getMagics()}, which is all {@code IJavaSupport} reaches reflectively.
 */
public final class IJava {

    /** What IJava's JavaKernel offers the startup script: a BaseKernel with a magics registry. */
    public static final class JavaKernel extends BaseKernel {
        private final Magics magics = new Magics();

        public Magics getMagics() {
            return magics;
        }

        @Override
        public DisplayData eval(String expr) {
            return null;
        }

        @Override
        public LanguageInfo getLanguageInfo() {
            return new LanguageInfo.Builder("Java").version(Runtime.version().toString()).build();
        }
    }

    public static JavaKernel kernel;

    private IJava() {
    }

    public static BaseKernel getKernelInstance() {
        return kernel;
    }
}
