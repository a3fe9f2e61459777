package org.moelab.mobie.artifact;

import org.moelab.checkpoint.Checkpoint;
import org.moelab.checkpoint.CheckpointException;
import org.moelab.checkpoint.CheckpointException.Problem;
import org.moelab.checkpoint.CheckpointWriter;
import org.moelab.mobie.BinaryExpert;
import org.moelab.mobie.Cejd;
import org.moelab.mobie.PackedStorage;
import org.moelab.tensor.DType;
import org.moelab.tensor.Tensor;

import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The per-layer tensors of a MoBiE artifact (layout in {@link MobieArtifact}): per projection p, the E experts'
 * {@link PackedStorage} tables stacked along a leading expert axis, bit words as little-endian bytes, and the
 * shared CEJD backbone when there is one.
 */
final class MobieTensors {

    static final List<String> PROJECTIONS = List.of("gate", "up", "down");

    private MobieTensors() {
    }

    static String prefix(int layer, String projection) {
        return "mobie.layers." + layer + "." + projection + ".";
    }

    /** Adds one layer's experts; every expert's projection p must share one backbone (CEJD) or have none. */
    static void add(CheckpointWriter w, int layer, List<BinaryExpert> experts) {
        int e = experts.size();
        for (int p = 0; p < 3; p++) {
            String pre = prefix(layer, PROJECTIONS.get(p));
            List<PackedStorage> s = new ArrayList<>();
            Cejd.Backbone backbone = experts.getFirst().projections()[p].backbone();
            for (BinaryExpert x : experts) {
                BinaryExpert.Projection proj = x.projections()[p];
                if (proj.backbone() != backbone) throw new IllegalArgumentException(pre + ": experts do not share one backbone");
                s.add(PackedStorage.encode(proj.factor()));
            }
            PackedStorage f = s.getFirst();
            long blocks = PackedStorage.blocks(f.cols(), f.block()), bytes = 8L * PackedStorage.words(f.block());
            w.add(pre + "salient", DType.U8, new long[] {e, blocks, bytes}, longs(s.stream().map(PackedStorage::salient).toList()));
            w.add(pre + "signs", DType.U8, new long[] {e, f.rows(), blocks, bytes}, longs(s.stream().map(PackedStorage::signs).toList()));
            w.add(pre + "groups", DType.U8, new long[] {e, f.rows(), blocks, bytes}, longs(s.stream().map(PackedStorage::groups).toList()));
            w.add(pre + "params", DType.F16, new long[] {e, f.rows(), blocks, 8}, shorts(s.stream().map(PackedStorage::params).toList()));
            if (backbone != null) {
                int k = backbone.order();
                w.add(pre + "backbone", DType.U8, new long[] {k, k}, backbone.codes());
                w.addShorts(pre + "backbone.scales", DType.F16, backbone.scales(), k);
            }
        }
    }

    /**
     * Reads one layer's E experts back.
     *
     * @param shapes (rows, cols) of gate, up, down: (I, H), (I, H), (H, I)
     * @param sides  backbone side per projection, null entries (or null) without CEJD
     */
    static List<BinaryExpert> read(Checkpoint cp, int layer, int e, int[][] shapes, int block, Cejd.Side[] sides, int backboneBits) {
        BinaryExpert.Projection[][] proj = new BinaryExpert.Projection[e][3];
        for (int p = 0; p < 3; p++) {
            String pre = prefix(layer, PROJECTIONS.get(p));
            int rows = shapes[p][0], cols = shapes[p][1];
            int blocks = PackedStorage.blocks(cols, block), words = PackedStorage.words(block);
            long[] salient = words(cp, pre + "salient", new long[] {e, blocks, 8L * words});
            long[] signs = words(cp, pre + "signs", new long[] {e, rows, blocks, 8L * words});
            long[] groups = words(cp, pre + "groups", new long[] {e, rows, blocks, 8L * words});
            short[] params = table(cp, pre + "params", DType.F16, new long[] {e, rows, blocks, 8})
                    .data().toArray(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
            Cejd.Side side = sides == null ? null : sides[p];
            Cejd.Backbone backbone = side == null ? null : backbone(cp, pre, side == Cejd.Side.OUTPUT ? rows : cols, backboneBits);
            if (side == null && cp.has(pre + "backbone")) throw bad(cp, pre + "backbone", "present but the manifest records no CEJD side");
            int sw = blocks * words, rw = rows * sw, rp = rows * blocks * 8;
            for (int x = 0; x < e; x++) {
                PackedStorage s = new PackedStorage(rows, cols, block, Arrays.copyOfRange(salient, x * sw, (x + 1) * sw),
                        Arrays.copyOfRange(signs, x * rw, (x + 1) * rw), Arrays.copyOfRange(groups, x * rw, (x + 1) * rw),
                        Arrays.copyOfRange(params, x * rp, (x + 1) * rp));
                try {
                    proj[x][p] = new BinaryExpert.Projection(s.decode(), side, backbone);
                } catch (IllegalArgumentException ex) {
                    throw bad(cp, pre + "*", "expert " + x + ": " + ex.getMessage());
                }
            }
        }
        List<BinaryExpert> out = new ArrayList<>();
        for (BinaryExpert.Projection[] p : proj) out.add(new BinaryExpert(p[0], p[1], p[2]));
        return out;
    }

    private static Cejd.Backbone backbone(Checkpoint cp, String pre, int k, int bits) {
        byte[] codes = table(cp, pre + "backbone", DType.U8, new long[] {k, k}).data().toArray(ValueLayout.JAVA_BYTE);
        short[] scales = table(cp, pre + "backbone.scales", DType.F16, new long[] {k})
                .data().toArray(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
        try {
            return new Cejd.Backbone(k, bits, codes, scales);
        } catch (IllegalArgumentException ex) {
            throw bad(cp, pre + "backbone", ex.getMessage());
        }
    }

    private static long[] words(Checkpoint cp, String name, long[] shape) {
        ByteBuffer b = ByteBuffer.wrap(table(cp, name, DType.U8, shape).data().toArray(ValueLayout.JAVA_BYTE)).order(ByteOrder.LITTLE_ENDIAN);
        long[] out = new long[b.remaining() / 8];
        b.asLongBuffer().get(out);
        return out;
    }

    private static Tensor table(Checkpoint cp, String name, DType dtype, long[] shape) {
        Tensor t = cp.get(name);
        if (t.dtype() != dtype || !Arrays.equals(t.shape(), shape)) {
            throw bad(cp, name, t.dtype() + " " + Arrays.toString(t.shape()) + " but expected " + dtype + " " + Arrays.toString(shape));
        }
        return t;
    }

    private static byte[] longs(List<long[]> parts) {
        ByteBuffer b = ByteBuffer.allocate(8 * parts.stream().mapToInt(a -> a.length).sum()).order(ByteOrder.LITTLE_ENDIAN);
        for (long[] a : parts) for (long v : a) b.putLong(v);
        return b.array();
    }

    private static byte[] shorts(List<short[]> parts) {
        ByteBuffer b = ByteBuffer.allocate(2 * parts.stream().mapToInt(a -> a.length).sum()).order(ByteOrder.LITTLE_ENDIAN);
        for (short[] a : parts) for (short v : a) b.putShort(v);
        return b.array();
    }

    static CheckpointException bad(Checkpoint cp, String tensor, String why) {
        return new CheckpointException(Problem.BAD_ARTIFACT, cp.files().getFirst(), tensor, why);
    }
}
