package org.moelab.kernel;

import io.github.spencerpark.ijava.IJava;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The magics jar inside an IJava kernel: {@code IJAVA_STARTUP_SCRIPT='org.moelab.kernel.IJavaSupport.install();'} finds
 * IJava's kernel reflectively and registers every %moe-* magic with its registry (an IJava stand-in with the same
 * entry points; IJava itself is not on Maven Central).
 */
class IJavaSupportTest {

    @Test
    void installRegistersTheMagicsWithIJavasRegistry() throws Exception {
        IJava.kernel = null;
        IllegalStateException none = assertThrows(IllegalStateException.class, IJavaSupport::install);
        assertTrue(none.getMessage().contains("no kernel instance"), none.getMessage());

        IJava.kernel = new IJava.JavaKernel();
        MagicHost host = IJavaSupport.install();
        assertSame(host, IJavaSupport.install(), "a second install does nothing");
        assertSame(host, KernelRuntime.host());
        // IJava's registry knows each magic (an unknown name is refused by the registry itself)
        assertThrows(Exception.class, () -> IJava.kernel.getMagics().applyLineMagic("moe-nope", List.of()));
        for (String magic : List.of("moe-models", "moe-quantize", "moe-allocate", "moe-generate", "moe-unload", "moe-eval", "moe-compare")) {
            assertDoesNotThrow(() -> IJava.kernel.getMagics().applyLineMagic(magic, List.of("--help")), "%" + magic + " --help");
        }
        // a bad argument is the magic's own one-line error, through IJava's registry
        Exception bad = assertThrows(Exception.class, () -> IJava.kernel.getMagics().applyLineMagic("moe-allocate", List.of("--bits", "lots")));
        assertTrue(String.valueOf(bad.getMessage()).contains("--bits"), bad.getMessage());
    }
}
