package org.moelab.opencl;

import org.moelab.compute.PackedRows;

/**
 * The explicit repack from the CPU layout ({@link PackedRows}: bytes, fp16 scale bits) to the device form
 * ({@link Repacked}: int words per row, float scales). Only whole rows move: the bit order inside a row is the
 * CPU layout's, so the device decodes the same fields the Vector API kernels do.
 */
public final class Repack {

    private Repack() {
    }

    public static Repacked of(PackedRows w) {
        int b = w.bits();
        int count = w.count();
        int vb = w.rowBytes();
        int wpr = (vb + 3) / 4;
        int[] words = new int[Math.max(1, count * wpr)]; // OpenCL buffers may not be empty
        byte[] p = w.packed();
        for (int j = 0; j < count; j++) {
            int src = w.pOff() + j * vb;
            int dst = j * wpr;
            for (int k = 0; k < vb; k++) words[dst + (k >>> 2)] |= (p[src + k] & 0xFF) << (8 * (k & 3));
        }
        int spr = w.scalesPerRow();
        float[] scales = new float[Math.max(1, count * spr)];
        for (int k = 0; k < count * spr; k++) scales[k] = Float.float16ToFloat(w.scales()[w.sOff() + k]);
        return new Repacked(b, count, w.length(), w.groupSize(), wpr, spr, words, scales);
    }
}
