package org.moelab.opencl;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Tells whether this machine can run OpenCL at all, before any kernel library (Aparapi) is touched:
 * is an ICD loader ({@code libOpenCL.so.1}) present, and how many platforms does it report?
 *
 * <p>Goes through the FFM API rather than a Java OpenCL binding so that a missing loader is an
 * ordinary answer, not an {@link UnsatisfiedLinkError} from a static initializer. Never throws.
 */
public final class OpenClProbe {

    /** The ICD loader's soname; Debian ships it in {@code ocl-icd-libopencl1}. */
    public static final String LOADER = "libOpenCL.so.1";

    /** OpenCL's CL_SUCCESS. */
    private static final int CL_SUCCESS = 0;
    /** cl_khr_icd: the loader found no vendor ICD (no /etc/OpenCL/vendors/*.icd that loads). */
    private static final int CL_PLATFORM_NOT_FOUND_KHR = -1001;

    /**
     * What the probe found.
     *
     * @param loaderFound   whether {@link #LOADER} could be loaded
     * @param platformCount platforms reported by {@code clGetPlatformIDs}; 0 when none or no loader
     * @param message       one line for humans saying what was found or why not
     */
    public record Result(boolean loaderFound, int platformCount, String message) {
        /** Whether OpenCL kernels can be tried here. */
        public boolean usable() {
            return loaderFound && platformCount > 0;
        }
    }

    private OpenClProbe() {
    }

    /**
     * Probes the machine. Loads the ICD loader for the life of the JVM when it is present. Refuses (without loading
     * anything) when the JVM runs without signal chaining ({@link #signalChainingMissing()}).
     */
    public static Result probe() {
        String unchained = signalChainingMissing();
        if (unchained != null) return new Result(false, 0, unchained);
        SymbolLookup loader;
        try {
            // Global arena: unloading an ICD loader that has opened vendor drivers is not safe.
            loader = SymbolLookup.libraryLookup(LOADER, Arena.global());
        } catch (IllegalArgumentException | IllegalCallerException | UnsupportedOperationException e) {
            return new Result(false, 0, "no OpenCL ICD loader (" + LOADER + "): " + e.getMessage()
                    + "; on Debian install ocl-icd-libopencl1 and pocl-opencl-icd (./moelab setup does)");
        }
        try {
            MemorySegment symbol = loader.find("clGetPlatformIDs").orElse(null);
            if (symbol == null) {
                return new Result(true, 0, LOADER + " has no clGetPlatformIDs symbol");
            }
            // cl_int clGetPlatformIDs(cl_uint num_entries, cl_platform_id *platforms, cl_uint *num_platforms)
            MethodHandle getPlatformIds = Linker.nativeLinker().downcallHandle(symbol,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT,
                            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment count = arena.allocate(ValueLayout.JAVA_INT);
                int status = (int) getPlatformIds.invokeExact(0, MemorySegment.NULL, count);
                if (status == CL_PLATFORM_NOT_FOUND_KHR) {
                    return new Result(true, 0, LOADER + " found, but no OpenCL platform (no usable ICD in "
                            + "/etc/OpenCL/vendors; on Debian install pocl-opencl-icd)");
                }
                if (status != CL_SUCCESS) {
                    return new Result(true, 0, "clGetPlatformIDs failed with OpenCL error " + status);
                }
                int platforms = count.get(ValueLayout.JAVA_INT, 0);
                return new Result(true, platforms,
                        LOADER + " found, " + platforms + " OpenCL platform" + (platforms == 1 ? "" : "s"));
            }
        } catch (Throwable t) { // a downcall can fail in ways no checked type describes; report, never throw
            return new Result(true, 0, "calling clGetPlatformIDs failed: " + t);
        }
    }

    /**
     * Why OpenCL must not be loaded into this JVM, or null when it may. OpenCL drivers built on LLVM (pocl: Debian's
     * {@code pocl-opencl-icd}) install their own SIGSEGV/SIGBUS handlers when they load, replacing the JVM's (checked
     * with {@code -Xcheck:jni}: "SIGSEGV handler modified", handler in libLLVM-15.so). The JVM takes SIGSEGV in normal
     * operation (safepoint polls, implicit null checks), so it then dies at a random later moment with exit status 139
     * and no error report. The JDK's signal-chaining library {@code libjsig.so}, preloaded, keeps the JVM's handlers
     * and chains the driver's behind them; {@code ./moelab} and the build's test JVMs preload it. Without it (read from
     * {@code /proc/self/maps} on Linux), OpenCL is refused with this message; elsewhere the check is not possible and
     * the probe goes on.
     */
    static String signalChainingMissing() {
        java.nio.file.Path maps = java.nio.file.Path.of("/proc/self/maps");
        if (!java.nio.file.Files.isReadable(maps)) return null;
        try (var lines = java.nio.file.Files.lines(maps)) {
            if (lines.anyMatch(l -> l.endsWith("/libjsig.so"))) return null;
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return null;
        }
        return "OpenCL not loaded: this JVM runs without signal chaining, and an OpenCL driver built on LLVM (pocl) would "
                + "replace the JVM's SIGSEGV handler and crash it later (exit 139); start java with LD_PRELOAD="
                + System.getProperty("java.home") + "/lib/libjsig.so (./moelab and the Maven test runs do)";
    }
}
