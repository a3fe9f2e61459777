package org.moelab.opencl;

/** out (count, length) from outOff = dequant(W); one work item per element. */
final class DequantKernel extends PackedDecodeKernel {

    float[] out = new float[1];
    int outOff;
    int total; // count · length

    @Override
    public void run() {
        int gid = getGlobalId();
        if (gid < total) {
            int j = gid / length;
            int i = gid - j * length;
            out[outOff + gid] = decode(j, i);
        }
    }
}
