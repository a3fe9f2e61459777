package org.moelab.opencl;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class OpenClProbeTest {

    private static final String SETUP_HINT =
            " (./moelab setup installs ocl-icd-libopencl1 and pocl-opencl-icd, the CPU OpenCL platform)";

    @Test
    void findsTheLoaderAndAtLeastOnePlatform() {
        OpenClProbe.Result result = assertDoesNotThrow(OpenClProbe::probe);
        assertFalse(result.message() == null || result.message().isBlank(), "the probe always explains itself");
        // CI machines are set up with pocl, so a missing loader or platform is a broken set-up, not a skip.
        assertTrue(result.loaderFound(), "no OpenCL ICD loader: " + result.message() + SETUP_HINT);
        assertTrue(result.platformCount() >= 1, "no OpenCL platform: " + result.message() + SETUP_HINT);
        assertTrue(result.usable());
        // Probing twice must give the same answer: the loader stays loaded and nothing is cached wrongly.
        assertTrue(OpenClProbe.probe().platformCount() == result.platformCount());
    }
}
