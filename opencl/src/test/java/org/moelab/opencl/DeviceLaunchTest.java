package org.moelab.opencl;

import org.junit.jupiter.api.Test;
import org.moelab.compute.ComputeBackends;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JTP refusal, and how the selection treats this backend on this machine. */
class DeviceLaunchTest {

    @Test
    void aparapisJavaThreadPoolFallbackIsRefused() {
        OpenClBackend cl = new OpenClBackend();
        assertTrue(cl.probe().usable(), cl.probe().reason() + "; " + OpenClBackendParityTest.INSTALL);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> DeviceLaunch.run(new UntranslatableKernel(), cl.device(), 64, "untranslatable"));
        assertTrue(e.getMessage().contains("Java thread pool"), e.getMessage());
    }

    @Test
    void serviceLoaderFindsItAndSelectionFollowsTheDeviceType() {
        assertTrue(ComputeBackends.found().stream().anyMatch(b -> b instanceof OpenClBackend), "META-INF/services registers OpenClBackend");
        OpenClBackend cl = (OpenClBackend) ComputeBackends.byName("opencl");
        assertTrue(cl.probe().usable(), cl.probe().reason() + "; " + OpenClBackendParityTest.INSTALL);
        ComputeBackends.Selection auto = ComputeBackends.select("auto");
        if (cl.probe().automatic()) {
            assertEquals("opencl", auto.chosen().name(), "an OpenCL GPU is preferred automatically");
        } else { // pocl only: the Vector API backend, and the log line says why not OpenCL
            assertEquals("cpu", auto.chosen().name());
            assertTrue(auto.reason().contains("not opencl: the only OpenCL device is a CPU"), auto.reason());
        }
        assertEquals("opencl", ComputeBackends.select("opencl").chosen().name());
    }
}
