package org.moelab.bitsmoe.artifact;

import org.moelab.bitsmoe.QuantizedLayer;
import org.moelab.bitsmoe.execution.BasisStorage;
import org.moelab.bitsmoe.execution.Component;
import org.moelab.bitsmoe.execution.FactorizedExperts;
import org.moelab.bitsmoe.execution.PackedComponent;
import org.moelab.bitsmoe.execution.SharedBasis;
import org.moelab.checkpoint.Checkpoint;
import org.moelab.checkpoint.CheckpointException;
import org.moelab.checkpoint.CheckpointException.Problem;
import org.moelab.checkpoint.CheckpointWriter;
import org.moelab.model.MoeModel;
import org.moelab.quant.PackedInt16;
import org.moelab.quant.PackedLayout;
import org.moelab.quant.PackedVector;
import org.moelab.tensor.DType;
import org.moelab.tensor.Tensor;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/** The per-layer tensors of a BitsMoE artifact (layout in {@link BitsMoeArtifact}). */
final class ArtifactTensors {

    static final int[] STORED_WIDTHS = {1, 2, 3, 4, 8, 16};
    private static final List<String> PROJECTIONS = List.of("gate", "up", "down");

    private ArtifactTensors() {
    }

    static String prefix(int layer, String projection) {
        return "bitsmoe.layers." + layer + "." + projection + ".";
    }

    static void add(CheckpointWriter w, QuantizedLayer l) {
        SharedBasis[] bases = {l.gateBasis(), l.upBasis(), l.downBasis()};
        FactorizedExperts[] factors = {l.gate(), l.up(), l.down()};
        for (int p = 0; p < 3; p++) {
            String pre = prefix(l.layer(), PROJECTIONS.get(p));
            SharedBasis b = bases[p];
            switch (b.storage()) {
                case BF16 -> w.addBf16(pre + "basis", b.values(), l.rank(), l.hidden());
                case F32 -> w.addFloats(pre + "basis", b.values(), l.rank(), l.hidden());
                case INT8 -> {
                    w.add(pre + "basis", DType.U8, new long[] {l.rank(), l.hidden()}, b.codes());
                    w.addShorts(pre + "basis.scales", DType.F16, b.scales(), l.rank(), SharedBasis.groups(l.hidden()));
                }
            }
            addFactors(w, pre, factors[p]);
        }
    }

    private static void addFactors(CheckpointWriter w, String pre, FactorizedExperts f) {
        int units = f.experts() * f.rank();
        short[] s = new short[units];
        byte[] bits = new byte[units];
        for (int u = 0; u < units; u++) {
            Component c = f.components()[u];
            if (c == null) continue;
            if (!(c instanceof PackedComponent pc)) {
                throw new IllegalArgumentException(pre + ": only packed components can be saved, found " + c.getClass().getSimpleName());
            }
            bits[u] = (byte) pc.bits();
            s[u] = Float.floatToFloat16(f.scales()[u]);
        }
        w.addShorts(pre + "s", DType.F16, s, f.experts(), f.rank());
        w.add(pre + "bits", DType.U8, new long[] {f.experts(), f.rank()}, bits);
        for (int b : STORED_WIDTHS) {
            ByteArrayOutputStream payload = new ByteArrayOutputStream();
            ByteArrayOutputStream scales = new ByteArrayOutputStream();
            for (int u = 0; u < units; u++) {
                if (bits[u] != b) continue;
                PackedVector v = ((PackedComponent) f.components()[u]).vector();
                payload.writeBytes(v.bytes());
                for (short x : v.scales()) {
                    scales.write(x & 0xFF);
                    scales.write((x >>> 8) & 0xFF);
                }
            }
            if (payload.size() == 0) continue;
            w.add(pre + "q" + b, DType.U8, new long[] {payload.size()}, payload.toByteArray());
            if (scales.size() > 0) w.add(pre + "q" + b + ".scales", DType.F16, new long[] {scales.size() / 2L}, scales.toByteArray());
        }
    }

    static QuantizedLayer read(MoeModel model, int layer, int groupSize) {
        Checkpoint cp = model.checkpoint();
        int e = model.config().experts();
        int hidden = model.config().hidden();
        int inter = model.config().expertIntermediate();
        SharedBasis[] bases = new SharedBasis[3];
        FactorizedExperts[] factors = new FactorizedExperts[3];
        int rank = -1;
        for (int p = 0; p < 3; p++) {
            String pre = prefix(layer, PROJECTIONS.get(p));
            Tensor basis = cp.get(pre + "basis");
            boolean int8 = basis.dtype() == DType.U8;
            if (basis.rank() != 2 || basis.dim(1) != hidden || basis.dim(0) < 1 || basis.dim(0) > hidden
                    || (rank >= 0 && basis.dim(0) != rank) || !(basis.dtype() == DType.BF16 || basis.dtype() == DType.F32 || int8)) {
                throw bad(cp, pre + "basis", "shape " + Arrays.toString(basis.shape()) + " " + basis.dtype()
                        + " is not (r, H = " + hidden + ") in BF16, F32 or U8 (int8 codes)");
            }
            rank = (int) basis.dim(0);
            if (int8) {
                Tensor sc = table(cp, pre + "basis.scales", DType.F16, rank, SharedBasis.groups(hidden));
                bases[p] = SharedBasis.int8(rank, hidden, basis.data().toArray(ValueLayout.JAVA_BYTE),
                        sc.data().toArray(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN)));
            } else {
                if (cp.has(pre + "basis.scales")) throw bad(cp, pre + "basis.scales", "present but the basis is " + basis.dtype() + ", not int8");
                bases[p] = SharedBasis.of(basis.toFloatArray(), rank, hidden, basis.dtype() == DType.BF16 ? BasisStorage.BF16 : BasisStorage.F32);
            }
            factors[p] = readFactors(cp, pre, e, rank, inter, groupSize);
        }
        if (bases[0].storage() != bases[1].storage() || bases[0].storage() != bases[2].storage()) {
            throw bad(cp, prefix(layer, "gate") + "basis", "the gate, up and down bases of layer " + layer + " are stored differently");
        }
        return new QuantizedLayer(layer, rank, hidden, bases[0], bases[1], bases[2], factors[0], factors[1], factors[2]);
    }

    private static FactorizedExperts readFactors(Checkpoint cp, String pre, int e, int rank, int inter, int g) {
        Tensor s = table(cp, pre + "s", DType.F16, e, rank);
        byte[] bits = table(cp, pre + "bits", DType.U8, e, rank).data().toArray(ValueLayout.JAVA_BYTE);
        int units = e * rank;
        FactorizedExperts.Builder builder = FactorizedExperts.builder(e, rank, inter, g);
        for (int b : STORED_WIDTHS) {
            int count = 0;
            for (byte x : bits) if (x == b) count++;
            String q = pre + "q" + b;
            if (count == 0) {
                if (cp.has(q)) throw bad(cp, q, "present but no component has " + b + " bits");
                continue;
            }
            // 16 bits: fp16 values, or int16 levels when the group scales are stored with them (the int16 option)
            PackedLayout layout = b == 16 && cp.has(q + ".scales") ? PackedInt16.INSTANCE : PackedLayout.forBits(b);
            int vecBytes = Math.toIntExact(layout.bytes(inter));
            int vecScales = layout.scaleCount(inter, g);
            byte[] payload = bytes(cp, q, (long) count * vecBytes);
            short[] sc = vecScales == 0 ? new short[0] : shorts(cp, q + ".scales", (long) count * vecScales);
            int i = 0;
            for (int u = 0; u < units; u++) {
                if (bits[u] != b) continue;
                builder.add(u, s.getFloat(u), layout, payload, i * vecBytes, sc, i * vecScales);
                i++;
            }
        }
        for (int u = 0; u < units; u++) {
            int b = bits[u] & 0xFF;
            if (b != 0 && Arrays.stream(STORED_WIDTHS).noneMatch(x -> x == b)) {
                throw bad(cp, pre + "bits", "component " + u + " has width " + b + "; stored widths are 0, 1, 2, 3, 4, 8, 16");
            }
        }
        return builder.build();
    }

    private static Tensor table(Checkpoint cp, String name, DType dtype, int rows, int cols) {
        Tensor t = cp.get(name);
        if (t.dtype() != dtype || t.rank() != 2 || t.dim(0) != rows || t.dim(1) != cols) {
            throw bad(cp, name, t.dtype() + " " + Arrays.toString(t.shape()) + " but expected " + dtype + " [" + rows + ", " + cols + "]");
        }
        return t;
    }

    private static byte[] bytes(Checkpoint cp, String name, long expected) {
        Tensor t = cp.get(name);
        if (t.dtype() != DType.U8 || t.elements() != expected) {
            throw bad(cp, name, t.dtype() + " with " + t.elements() + " elements, but the bits table needs U8 with " + expected);
        }
        return t.data().toArray(ValueLayout.JAVA_BYTE);
    }

    private static short[] shorts(Checkpoint cp, String name, long expected) {
        Tensor t = cp.get(name);
        if (t.dtype() != DType.F16 || t.elements() != expected) {
            throw bad(cp, name, t.dtype() + " with " + t.elements() + " elements, but the bits table needs F16 with " + expected);
        }
        return t.data().toArray(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
    }

    private static CheckpointException bad(Checkpoint cp, String tensor, String why) {
        return new CheckpointException(Problem.BAD_ARTIFACT, cp.files().getFirst(), tensor, why);
    }
}
