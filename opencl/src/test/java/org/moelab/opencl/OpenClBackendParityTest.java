package org.moelab.opencl;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.moelab.compute.ComputeBackend;
import org.moelab.compute.ParitySuite;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every Aparapi kernel on the machine's OpenCL device (pocl on CI) against the scalar references, through the same
 * {@link ParitySuite} as the CPU backend. No OpenCL device is a failure, not a skip.
 */
class OpenClBackendParityTest {

    static final String INSTALL = "install the CPU OpenCL platform: apt-get install pocl-opencl-icd ocl-icd-libopencl1 (./moelab setup does)";
    private static final OpenClBackend CL = new OpenClBackend();

    @BeforeAll
    static void anOpenClDeviceIsPresent() {
        ComputeBackend.Probe p = CL.probe();
        assertTrue(p.usable(), "no OpenCL device for the opencl backend: " + p.reason() + "; " + INSTALL);
    }

    private static void pass(List<String> failures) {
        assertEquals(List.of(), failures, () -> failures.size() + " failure(s) on " + CL.probe().device() + ", first: " + failures.getFirst());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 8, 16})
    void dequantizeIsExact(int bits) {
        pass(ParitySuite.dequantize(CL, bits, 100 + bits));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 8, 16})
    void matvecWithinBudget(int bits) {
        pass(ParitySuite.matvec(CL, bits, 200 + bits));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 8, 16})
    void matvecTransposedWithinBudget(int bits) {
        pass(ParitySuite.matvecTransposed(CL, bits, 300 + bits));
    }

    @Test
    void gramWithinBudget() {
        pass(ParitySuite.gram(CL, 400));
    }

    @Test
    void matmulWithinBudget() {
        pass(ParitySuite.matmul(CL, 500));
    }
}
