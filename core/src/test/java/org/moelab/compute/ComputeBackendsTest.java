package org.moelab.compute;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Selection among the backends ServiceLoader finds; in core alone that is the CPU backend. */
class ComputeBackendsTest {

    @Test
    void theCpuBackendIsFoundThroughServiceLoader() {
        assertTrue(ComputeBackends.found().stream().anyMatch(b -> b instanceof CpuBackend), "META-INF/services registers CpuBackend");
    }

    @Test
    void automaticAndExplicitCpu() {
        ComputeBackends.Selection auto = ComputeBackends.select("auto");
        assertTrue(auto.chosen().probe().usable());
        assertTrue(auto.logLine().startsWith("compute: " + auto.chosen().name() + " ("), auto.logLine());
        ComputeBackends.Selection cpu = ComputeBackends.select(" CPU ");
        assertEquals("cpu", cpu.chosen().name());
        assertEquals("requested with -Dmoelab.compute=cpu", cpu.reason());
    }

    /** With the CPU backend chosen, the decomposition's kernels are the BLAS/LAPACK instance: results cannot change. */
    @Test
    void theChosenSpectralComputeIsNetlibOnTheCpuBackend() {
        assertEquals("cpu", ComputeBackends.chosen().name(), "core alone has only the CPU backend");
        org.junit.jupiter.api.Assertions.assertSame(org.moelab.linalg.SpectralCompute.cpu(), org.moelab.linalg.SpectralCompute.chosen());
    }

    @Test
    void anUnknownBackendIsAnErrorThatNamesWhatWasFound() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ComputeBackends.select("tpu"));
        assertTrue(e.getMessage().contains("tpu") && e.getMessage().contains("cpu"), e.getMessage());
    }
}
