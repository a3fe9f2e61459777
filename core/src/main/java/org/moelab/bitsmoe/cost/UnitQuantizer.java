package org.moelab.bitsmoe.cost;

/** Quantize-then-dequantize of one spectral component's unit vector at a width, as the packed model will store it. */
@FunctionalInterface
public interface UnitQuantizer {

    /** Q_b(u[off, off+len)) into out[0, len). Width 0 gives zeros; 16 gives fp16 rounding. */
    void roundTrip(float[] u, int off, int len, int bits, float[] out);
}
