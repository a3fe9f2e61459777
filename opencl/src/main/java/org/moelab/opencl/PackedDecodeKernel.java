package org.moelab.opencl;

import com.aparapi.Kernel;

/**
 * The device decode of the {@link Repacked} form, shared by the packed kernels (Aparapi translates the methods of
 * a kernel's superclasses into OpenCL functions). Float.intBitsToFloat has no Aparapi mapping on JDK 25 (it is
 * native there), so fp16 is decoded arithmetically: (1024 + m)·2^(e−25), m·2^−24 for subnormals, exact in float,
 * with the powers of two, ∞ and NaN read from {@link #pow2}.
 */
abstract class PackedDecodeKernel extends Kernel {

    int[] words = new int[1];      // (count · wordsPerRow)
    float[] scales = new float[1]; // (count · scalesPerRow)
    /** pow2[e] = 2^(e−25) for e in 1..30, pow2[0] = 2^−24, pow2[31] = +∞, pow2[32] = NaN. */
    float[] pow2 = POW2;
    int bits;
    int mask;
    int bias;
    int length;
    int groupSize;
    int wordsPerRow;
    int scalesPerRow;

    static final float[] POW2 = pow2Table();

    private static float[] pow2Table() {
        float[] t = new float[33];
        t[0] = Math.scalb(1f, -24);
        for (int e = 1; e <= 30; e++) t[e] = Math.scalb(1f, e - 25);
        t[31] = Float.POSITIVE_INFINITY;
        t[32] = Float.NaN;
        return t;
    }

    /** Points the kernel at repacked rows. */
    void bind(Repacked r) {
        words = r.words();
        scales = r.scales();
        bits = r.bits();
        mask = r.bits() >= 16 ? 0xFFFF : (1 << r.bits()) - 1;
        bias = r.bits() == 1 ? 1 : r.bits() >= 16 ? 0 : 1 << (r.bits() - 1);
        length = r.length();
        groupSize = r.groupSize();
        wordsPerRow = r.wordsPerRow();
        scalesPerRow = r.scalesPerRow();
    }

    /** Element i of row j (b ≥ 1). */
    float decode(int j, int i) {
        int base = j * wordsPerRow;
        if (bits == 16) {
            return half((words[base + (i >>> 1)] >>> ((i & 1) * 16)) & 0xFFFF);
        }
        int bit = i * bits;
        int w = base + (bit >>> 5);
        int sh = bit & 31;
        int v = words[w] >>> sh;
        if (sh + bits > 32) {
            v = v | (words[w + 1] << (32 - sh));
        }
        int c = v & mask;
        int q = bits == 1 ? 2 * c - 1 : c - bias;
        return scales[j * scalesPerRow + i / groupSize] * q;
    }

    float half(int h) {
        int e = (h >>> 10) & 31;
        int m = h & 1023;
        float mag = 0f;
        if (e == 0) {
            mag = m * pow2[0];
        } else if (e == 31) {
            mag = m == 0 ? pow2[31] : pow2[32];
        } else {
            mag = (1024 + m) * pow2[e];
        }
        return (h & 0x8000) != 0 ? -mag : mag;
    }
}
