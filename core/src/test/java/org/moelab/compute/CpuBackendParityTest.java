package org.moelab.compute;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The CPU backend against the scalar references ({@link ParitySuite}), and its promise to add no arithmetic. */
class CpuBackendParityTest {

    private final CpuBackend cpu = new CpuBackend();

    private static void pass(List<String> failures) {
        assertEquals(List.of(), failures, () -> failures.size() + " failure(s), first: " + failures.getFirst());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 8, 16})
    void dequantizeIsExact(int bits) {
        pass(ParitySuite.dequantize(cpu, bits, 100 + bits));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 8, 16})
    void matvecWithinBudget(int bits) {
        pass(ParitySuite.matvec(cpu, bits, 200 + bits));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 8, 16})
    void matvecTransposedWithinBudget(int bits) {
        pass(ParitySuite.matvecTransposed(cpu, bits, 300 + bits));
    }

    @Test
    void gramWithinBudget() {
        pass(ParitySuite.gram(cpu, 400));
    }

    @Test
    void matmulWithinBudget() {
        pass(ParitySuite.matmul(cpu, 500));
    }

    /** The row split of matvec must not change a bit: it equals one dotMany call over all rows. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 8, 16})
    void matvecIsTheLayoutKernelBitForBit(int bits) {
        Random r = new Random(bits);
        // large enough that Parallel splits the rows over the threads
        PackedRows w = ParitySuite.randomRows(r, bits, 301, 1024, 128, false);
        float[] x = ParitySuite.gaussian(r, 1024);
        float[] want = new float[301];
        float[] got = new float[301];
        w.layout().dotMany(w.count(), w.packed(), w.pOff(), w.scales(), w.sOff(), w.groupSize(), w.length(), x, 0, want, 0);
        cpu.matvec(w, x, 0, got, 0);
        assertArrayEquals(want, got);
    }

    /** The decomposition through the CPU backend is the BLAS/LAPACK instance itself, so its results cannot change. */
    @Test
    void spectralIsTheNetlibInstance() {
        assertSame(org.moelab.linalg.SpectralCompute.cpu(), cpu.spectral());
    }
}
