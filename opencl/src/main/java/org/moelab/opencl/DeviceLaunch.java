package org.moelab.opencl;

import com.aparapi.Kernel;
import com.aparapi.Range;
import com.aparapi.device.OpenCLDevice;

/**
 * Runs a kernel on one OpenCL device, and refuses Aparapi's Java-thread-pool (JTP) fallback: when Aparapi cannot
 * translate or run a kernel in OpenCL it silently executes the Java bytecode on a thread pool instead, which would
 * pass for "OpenCL" while being neither. After every execute the kernel must report that it ran in OpenCL.
 */
final class DeviceLaunch {

    /** Work-group size the global sizes are rounded up to (kernels guard their index). */
    static final int LOCAL = 64;

    private DeviceLaunch() {
    }

    /** Executes {@code k} over [0, global) on {@code device}; throws {@link IllegalStateException} on JTP or failure. */
    static void run(Kernel k, OpenCLDevice device, int global, String what) {
        if (global <= 0) return;
        int local = Math.min(LOCAL, device.getMaxWorkGroupSize());
        int padded = (int) ((global + (long) local - 1) / local * local);
        Range range = device.createRange(padded, local);
        try {
            k.execute(range);
        } catch (RuntimeException | Error e) {
            throw new IllegalStateException("OpenCL kernel " + what + " failed on " + describe(device) + ": " + e
                    + " (moelab never lets Aparapi fall back to its Java thread pool; use -Dmoelab.compute=cpu)", e);
        }
        if (!k.isRunningCL()) {
            throw new IllegalStateException("Aparapi ran kernel " + what + " in execution mode " + k.getExecutionMode()
                    + " (its Java thread pool), not OpenCL on " + describe(device) + "; refusing that fallback. Aparapi could not"
                    + " translate or run the kernel (see its log above); use -Dmoelab.compute=cpu");
        }
    }

    static String describe(OpenCLDevice d) {
        return d.getName().trim() + " [" + d.getType() + ", platform " + d.getOpenCLPlatform().getName().trim() + ", "
                + d.getMaxComputeUnits() + " compute units]";
    }
}
