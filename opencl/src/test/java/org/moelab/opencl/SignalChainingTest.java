package org.moelab.opencl;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pocl's LLVM replaces the JVM's SIGSEGV handler when the OpenCL driver loads, which later kills the JVM (exit 139,
 * no report). These tests run child JVMs: with the JDK's libjsig preloaded the driver loads and the JVM's handlers stay
 * in place ({@code -Xcheck:jni} reports modified handlers); without it the probe refuses to load OpenCL.
 */
class SignalChainingTest {

    /** Child entry point: probe, then (when usable) load the driver through Aparapi as the backend does. */
    public static void main(String[] args) throws InterruptedException {
        OpenClProbe.Result r = OpenClProbe.probe();
        System.out.println("usable=" + r.usable());
        System.out.println("message=" + r.message());
        if (r.usable()) System.out.println("backend=" + new OpenClBackend().probe().usable());
        Thread.sleep(300);   // -Xcheck:jni compares the handlers periodically and at exit
    }

    private record Child(int exit, String out, String err) {
    }

    private static Child run(boolean preload) throws IOException, InterruptedException {
        String javaHome = System.getProperty("java.home");
        List<String> cmd = new ArrayList<>(List.of(Path.of(javaHome, "bin", "java").toString(), "-Xcheck:jni",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), SignalChainingTest.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("LD_PRELOAD");
        if (preload) pb.environment().put("LD_PRELOAD", javaHome + "/lib/libjsig.so");
        pb.environment().remove("JAVA_TOOL_OPTIONS");
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish");
        return new Child(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    @Test
    void thisTestJvmRunsWithSignalChaining() {
        assertNull(OpenClProbe.signalChainingMissing(), "the build's test JVMs preload libjsig (parent pom, surefire environmentVariables)");
    }

    @Test
    void withLibjsigTheDriverLoadsAndTheJvmKeepsItsSignalHandlers() throws Exception {
        Child c = run(true);
        assertEquals(0, c.exit(), c.out() + c.err());
        assertTrue(c.out().contains("usable=true"), c.out());
        assertTrue(c.out().contains("backend=true"), c.out());
        assertFalse(c.err().contains("handler modified"), "the driver replaced a JVM signal handler:\n" + c.err());
    }

    @Test
    void withoutLibjsigOpenClIsRefusedWithTheReasonAndTheFix() throws Exception {
        Child c = run(false);
        assertEquals(0, c.exit(), c.out() + c.err());
        assertTrue(c.out().contains("usable=false"), c.out());
        assertTrue(c.out().contains("without signal chaining") && c.out().contains("libjsig.so"), c.out());
        assertFalse(c.err().contains("handler modified"), "nothing may be loaded that replaces the JVM's handlers:\n" + c.err());
    }
}
