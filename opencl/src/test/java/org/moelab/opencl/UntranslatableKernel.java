package org.moelab.opencl;

import com.aparapi.Kernel;

/**
 * A kernel Aparapi cannot translate to OpenCL on JDK 25 ({@link Float#intBitsToFloat} is native there and has no
 * mapping): Aparapi then runs it in its Java thread pool, which {@link DeviceLaunch} must refuse.
 */
final class UntranslatableKernel extends Kernel {

    float[] out = new float[64];
    int[] in = new int[64];

    @Override
    public void run() {
        int i = getGlobalId();
        if (i < 64) {
            out[i] = Float.intBitsToFloat(in[i]);
        }
    }
}
