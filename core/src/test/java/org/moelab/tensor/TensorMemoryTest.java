package org.moelab.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tensors that run beside the mapped checkpoint weights live in native memory (a heap segment reaching the
 * same matvec kernel made C2's profile polymorphic and slowed every bf16 matvec of the model); temporaries
 * stay on the heap.
 */
class TensorMemoryTest {

    @Test
    void bf16TensorsAreNativeAndKeepTheirValues() {
        float[] v = {1f, -2.5f, 3.140625f, 0f, 1e-3f, -7f};
        Tensor t = Tensor.ofBf16("b", v, 2, 3);
        assertTrue(t.data().isNative(), "bf16 tensors live in native memory");
        assertEquals(0, t.data().address() % 64, "64-byte aligned");
        float[] back = t.toFloatArray();
        for (int i = 0; i < v.length; i++) assertEquals(Float.intBitsToFloat(DType.toBf16(v[i]) << 16), back[i], 0f, "element " + i);
    }

    @Test
    void floatTensorsStayOnTheHeapUntilCopiedToNativeMemory() {
        float[] v = {0.5f, -1f, 2f, 3f};
        Tensor heap = Tensor.ofFloats("f", v, 2, 2);
        assertFalse(heap.data().isNative(), "temporaries stay on the heap");
        Tensor nat = heap.inNativeMemory();
        assertTrue(nat.data().isNative());
        assertEquals(heap.name(), nat.name());
        assertEquals(heap.dtype(), nat.dtype());
        assertEquals(java.util.Arrays.toString(heap.shape()), java.util.Arrays.toString(nat.shape()));
        for (int i = 0; i < v.length; i++) assertEquals(v[i], nat.toFloatArray()[i], 0f);
        assertSame(nat, nat.inNativeMemory(), "already native: no copy");
    }
}
