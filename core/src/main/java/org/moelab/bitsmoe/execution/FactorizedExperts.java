package org.moelab.bitsmoe.execution;

import org.moelab.compute.Parallel;
import org.moelab.quant.BitPlaneLut;
import org.moelab.quant.PackedLayout;
import org.moelab.quant.PackedVector;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The routed experts of one MoE layer in BitsMoE's factorized form (methods.md §1.1, §1.5), for one
 * projection: per expert e and direction k a scale s_{e,k} and a stored unit vector (null = dropped).
 *
 * <p>For execution each expert's stored components are also kept grouped by width: per (expert, width) one
 * contiguous payload, its scales, the s values and the direction indices ({@link ComponentGroup}), so
 * {@link #expand} and {@link #contract} run one fused kernel per width instead of one call per component.
 * {@link #builder} fills those groups directly (the pack stage and the artifact loader) and hands out
 * {@link #components()} as views into them, so the payload is held once; the public constructor takes any
 * components and copies packed and dense ones into groups.
 *
 * <p>Accessors: {@code scales()} is (E, r) s_{e,k}; {@code components()} is (E, r), index e·r + k, null where
 * the allocation chose 0 bits. Neither array is copied; do not modify them.
 */
public final class FactorizedExperts {

    private final int experts;
    private final int rank;
    private final int intermediate;
    private final float[] scales;
    private final Component[] components;
    private final ComponentGroup[][] groups; // [e] → groups by increasing width
    private final int[] stored;              // [e] → stored components
    private final int maxGroup;

    /**
     * @param scales     (E, r) s_{e,k}
     * @param components (E, r) stored unit vectors, index e·r + k; null where the allocation chose 0 bits
     */
    public FactorizedExperts(int experts, int rank, int intermediate, float[] scales, Component[] components) {
        this(experts, rank, intermediate, scales, components, groupsOf(experts, rank, intermediate, scales, components));
    }

    private FactorizedExperts(int experts, int rank, int intermediate, float[] scales, Component[] components, ComponentGroup[][] groups) {
        checkShape(experts, rank, intermediate, scales, components);
        this.experts = experts;
        this.rank = rank;
        this.intermediate = intermediate;
        this.scales = scales;
        this.components = components;
        this.groups = groups;
        this.stored = new int[experts];
        int max = 0;
        for (int e = 0; e < experts; e++) {
            for (ComponentGroup g : groups[e]) {
                stored[e] += g.count;
                max = Math.max(max, g.count);
            }
        }
        this.maxGroup = max;
    }

    private static void checkShape(int experts, int rank, int intermediate, float[] scales, Component[] components) {
        if (experts < 0 || rank < 0 || intermediate < 0) throw new IllegalArgumentException("E = " + experts + ", r = " + rank + ", I = " + intermediate);
        Objects.requireNonNull(scales, "scales");
        Objects.requireNonNull(components, "components");
        long units = (long) experts * rank;
        if (scales.length != units || components.length != units) {
            throw new IllegalArgumentException("E·r = " + units + " but " + scales.length + " scales and " + components.length + " components");
        }
    }

    public int experts() {
        return experts;
    }

    public int rank() {
        return rank;
    }

    public int intermediate() {
        return intermediate;
    }

    public float[] scales() {
        return scales;
    }

    public Component[] components() {
        return components;
    }

    public Component component(int e, int k) {
        return components[e * rank + k];
    }

    /** Stored (non-dropped) components of expert e. */
    public int stored(int e) {
        return stored[e];
    }

    /**
     * The directions k that at least one expert stores (increasing). The others were given 0 bits in every
     * expert: nothing reads h[k] (gate, up) or acc[k] (down) for them, so the shared basis needs no row k.
     */
    public int[] liveDirections() {
        boolean[] live = new boolean[rank];
        for (ComponentGroup[] gs : groups) {
            for (ComponentGroup g : gs) {
                for (int j = 0; j < g.count; j++) live[g.index[j]] = true;
            }
        }
        int n = 0;
        for (boolean b : live) n += b ? 1 : 0;
        int[] out = new int[n];
        for (int k = 0, j = 0; k < rank; k++) if (live[k]) out[j++] = k;
        return out;
    }

    /** The most components any one (expert, width) group holds: the scratch {@link #expand}/{@link #contract} need. */
    public int scratchLength() {
        return maxGroup;
    }

    /**
     * out[0, I) += Σ_k (s_{e,k}·h[hOff + k])·û_{e,k} over expert e's stored components, one fused kernel per
     * width. {@code scratch} holds at least {@link #scratchLength()} floats.
     */
    public void expand(int e, float[] h, int hOff, float[] out, float[] scratch) {
        for (ComponentGroup g : groups[e]) g.expand(h, hOff, out, scratch);
    }

    /**
     * acc[accOff + k] += weight·s_{e,k}·(v̂_{e,k}·z) over expert e's stored components, one fused kernel per
     * width. {@code scratch} holds at least {@link #scratchLength()} floats.
     */
    public void contract(int e, float[] z, float weight, float[] acc, int accOff, float[] scratch) {
        for (ComponentGroup g : groups[e]) g.contract(z, weight, acc, accOff, scratch);
    }

    /**
     * Repacks the groups that one product uses into the table-lookup layout where it is faster on this machine
     * ({@link ComponentGroup#prepare}); the layer calls it once with its projection's product (gate and up:
     * AXPY, down: DOT). Idempotent; the components handed out afterwards rebuild their bytes on demand.
     */
    public synchronized void prepare(BitPlaneLut.Direction direction) {
        Parallel.forRange(experts, (long) experts * rank * intermediate, (from, to) -> {
            for (int e = from; e < to; e++) {
                for (ComponentGroup g : groups[e]) {
                    if (!g.prepare(direction)) continue;
                    for (int j = 0; j < g.count; j++) components[e * rank + g.index[j]] = g.view(j);
                }
            }
        });
    }

    /** {@link #expand}'s scalar reference: one component at a time in order k, with the layouts' scalar kernels. */
    public void expandReference(int e, float[] h, int hOff, float[] out) {
        for (int k = 0; k < rank; k++) {
            Component c = components[e * rank + k];
            if (c == null) continue;
            float a = scales[e * rank + k] * h[hOff + k];
            if (c instanceof PackedComponent p) {
                p.axpyScalar(a, out, 0);
            } else if (c instanceof DenseComponent d) {
                float[] v = d.values();
                for (int i = 0; i < v.length; i++) out[i] = Math.fma(a, v[i], out[i]);
            } else {
                c.axpy(a, out, 0);
            }
        }
    }

    /** {@link #contract}'s scalar reference: one component at a time in order k, with the layouts' scalar kernels. */
    public void contractReference(int e, float[] z, float weight, float[] acc, int accOff) {
        for (int k = 0; k < rank; k++) {
            Component c = components[e * rank + k];
            if (c == null) continue;
            float dot;
            if (c instanceof PackedComponent p) {
                dot = p.dotScalar(z, 0);
            } else if (c instanceof DenseComponent d) {
                double sum = 0;
                float[] v = d.values();
                for (int i = 0; i < v.length; i++) sum += (double) v[i] * z[i];
                dot = (float) sum;
            } else {
                dot = c.dot(z, 0);
            }
            acc[accOff + k] += weight * scales[e * rank + k] * dot;
        }
    }

    @Override
    public String toString() {
        long n = 0;
        for (int s : stored) n += s;
        return "FactorizedExperts[experts=" + experts + ", rank=" + rank + ", intermediate=" + intermediate + ", stored=" + n + "]";
    }

    /** One group per layout, narrowest first (fp16 and int16 are both 16 bits wide: by class name then). */
    private static final java.util.Comparator<PackedLayout> BY_WIDTH = java.util.Comparator.comparingInt(PackedLayout::bits)
            .thenComparing(l -> l.getClass().getName());

    /** Groups of the public constructor: packed components by (width, group size), then dense, then the rest. */
    private static ComponentGroup[][] groupsOf(int experts, int rank, int inter, float[] scales, Component[] components) {
        checkShape(experts, rank, inter, scales, components);
        ComponentGroup[][] out = new ComponentGroup[experts][];
        for (int e = 0; e < experts; e++) {
            Map<PackedLayout, Map<Integer, List<Integer>>> packed = new TreeMap<>(BY_WIDTH);
            List<Integer> dense = new ArrayList<>();
            List<Integer> generic = new ArrayList<>();
            for (int k = 0; k < rank; k++) {
                Component c = components[e * rank + k];
                if (c == null) continue;
                if (c instanceof PackedComponent p) {
                    if (p.length() != inter) throw new IllegalArgumentException("component " + (e * rank + k) + " has length " + p.length() + ", not I = " + inter);
                    if (p.bits() == 0) continue;
                    packed.computeIfAbsent(p.layout(), x -> new TreeMap<>()).computeIfAbsent(p.groupSize(), x -> new ArrayList<>()).add(k);
                } else if (c instanceof DenseComponent d) {
                    if (d.values().length != inter) throw new IllegalArgumentException("component " + (e * rank + k) + " has length " + d.values().length + ", not I = " + inter);
                    dense.add(k);
                } else {
                    generic.add(k);
                }
            }
            List<ComponentGroup> gs = new ArrayList<>();
            for (List<Integer> ks : packed.values().stream().flatMap(m -> m.values().stream()).toList()) {
                PackedComponent first = (PackedComponent) components[e * rank + ks.getFirst()];
                PackedLayout layout = first.layout();
                int vb = Math.toIntExact(layout.bytes(inter));
                int vs = layout.scaleCount(inter, first.groupSize());
                byte[] payload = new byte[ks.size() * vb + ComponentGroup.PAYLOAD_PAD];
                short[] sc = new short[ks.size() * vs];
                for (int j = 0; j < ks.size(); j++) {
                    ((PackedComponent) components[e * rank + ks.get(j)]).copyTo(payload, j * vb, sc, j * vs);
                }
                gs.add(ComponentGroup.packed(layout, inter, first.groupSize(), sValues(scales, e, rank, ks), indices(ks), payload, sc));
            }
            if (!dense.isEmpty()) {
                float[] v = new float[dense.size() * inter];
                for (int j = 0; j < dense.size(); j++) {
                    System.arraycopy(((DenseComponent) components[e * rank + dense.get(j)]).values(), 0, v, j * inter, inter);
                }
                gs.add(ComponentGroup.dense(inter, sValues(scales, e, rank, dense), indices(dense), v));
            }
            if (!generic.isEmpty()) {
                Component[] cs = new Component[generic.size()];
                for (int j = 0; j < cs.length; j++) cs[j] = components[e * rank + generic.get(j)];
                gs.add(ComponentGroup.generic(inter, sValues(scales, e, rank, generic), indices(generic), cs));
            }
            out[e] = gs.toArray(ComponentGroup[]::new);
        }
        return out;
    }

    private static float[] sValues(float[] scales, int e, int rank, List<Integer> ks) {
        float[] s = new float[ks.size()];
        for (int j = 0; j < s.length; j++) s[j] = scales[e * rank + ks.get(j)];
        return s;
    }

    private static int[] indices(List<Integer> ks) {
        return ks.stream().mapToInt(Integer::intValue).toArray();
    }

    /** A builder that packs each component straight into its (expert, width) group. */
    public static Builder builder(int experts, int rank, int intermediate, int groupSize) {
        return new Builder(experts, rank, intermediate, groupSize);
    }

    /**
     * Collects the stored components of one projection (by unit u = e·r + k) and lays them out per
     * (expert, width) in {@link #build}. Sources are referenced until then, not copied.
     */
    public static final class Builder {

        private final int experts;
        private final int rank;
        private final int intermediate;
        private final int groupSize;
        private final float[] scales;
        private final PackedLayout[] layouts;
        private final byte[][] payloads;
        private final int[] pOffs;
        private final short[][] groupScales;
        private final int[] sOffs;

        private Builder(int experts, int rank, int intermediate, int groupSize) {
            if (experts < 0 || rank < 0 || intermediate < 0 || groupSize <= 0) {
                throw new IllegalArgumentException("E = " + experts + ", r = " + rank + ", I = " + intermediate + ", g = " + groupSize);
            }
            this.experts = experts;
            this.rank = rank;
            this.intermediate = intermediate;
            this.groupSize = groupSize;
            int units = Math.multiplyExact(experts, rank);
            this.scales = new float[units];
            this.layouts = new PackedLayout[units];
            this.payloads = new byte[units][];
            this.pOffs = new int[units];
            this.groupScales = new short[units][];
            this.sOffs = new int[units];
        }

        /** Stores unit u with scale s and vector v (length I, group size g; a 0-bit vector counts as dropped). */
        public Builder add(int unit, float s, PackedVector v) {
            if (v.length() != intermediate) throw new IllegalArgumentException("unit " + unit + " has length " + v.length() + ", not I = " + intermediate);
            return add(unit, s, v.layout(), v.bytes(), 0, v.scales(), 0);
        }

        /**
         * Stores unit u with scale s: its payload at payload[pOff, pOff + layout.bytes(I)), its group scales at
         * groupScales[sOff, sOff + layout.scaleCount(I, g)). The arrays are read in {@link #build}.
         */
        public Builder add(int unit, float s, PackedLayout layout, byte[] payload, int pOff, short[] groupScales, int sOff) {
            Objects.checkIndex(unit, layouts.length);
            Objects.requireNonNull(layout, "layout");
            if (layouts[unit] != null) throw new IllegalArgumentException("unit " + unit + " added twice");
            Objects.checkFromIndexSize(pOff, Math.toIntExact(layout.bytes(intermediate)), payload.length);
            Objects.checkFromIndexSize(sOff, layout.scaleCount(intermediate, groupSize), groupScales.length);
            if (layout.bits() == 0) return this;
            layouts[unit] = layout;
            scales[unit] = s;
            payloads[unit] = payload;
            pOffs[unit] = pOff;
            this.groupScales[unit] = groupScales;
            sOffs[unit] = sOff;
            return this;
        }

        public FactorizedExperts build() {
            Component[] comps = new Component[layouts.length];
            ComponentGroup[][] groups = new ComponentGroup[experts][];
            for (int e = 0; e < experts; e++) {
                Map<PackedLayout, List<Integer>> byWidth = new TreeMap<>(BY_WIDTH);
                for (int k = 0; k < rank; k++) {
                    PackedLayout l = layouts[e * rank + k];
                    if (l != null) byWidth.computeIfAbsent(l, x -> new ArrayList<>()).add(k);
                }
                List<ComponentGroup> gs = new ArrayList<>();
                for (List<Integer> ks : byWidth.values()) {
                    PackedLayout layout = layouts[e * rank + ks.getFirst()];
                    int vb = Math.toIntExact(layout.bytes(intermediate));
                    int vs = layout.scaleCount(intermediate, groupSize);
                    byte[] payload = new byte[Math.addExact(Math.multiplyExact(ks.size(), vb), ComponentGroup.PAYLOAD_PAD)];
                    short[] sc = new short[Math.multiplyExact(ks.size(), vs)];
                    for (int j = 0; j < ks.size(); j++) {
                        int u = e * rank + ks.get(j);
                        System.arraycopy(payloads[u], pOffs[u], payload, j * vb, vb);
                        System.arraycopy(groupScales[u], sOffs[u], sc, j * vs, vs);
                    }
                    ComponentGroup g = ComponentGroup.packed(layout, intermediate, groupSize, sValues(scales, e, rank, ks), indices(ks), payload, sc);
                    for (int j = 0; j < ks.size(); j++) comps[e * rank + ks.get(j)] = g.view(j);
                    gs.add(g);
                }
                groups[e] = gs.toArray(ComponentGroup[]::new);
            }
            return new FactorizedExperts(experts, rank, intermediate, scales.clone(), comps, groups);
        }
    }
}
