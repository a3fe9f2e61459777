package org.moelab.bitsmoe.allocation;

import java.util.List;

/**
 * Extra constraints of an allocation (methods.md §1.4 "variants with extra constraints").
 * Minimums and pins restrict each unit's candidate list, so every solver honours them; per-layer budgets
 * add rows to the ILP and only {@link BitAllocation.Solver#MIP} handles them.
 *
 * @param minimums     units that must get at least some width (e.g. an expert pinned ≥ 4 bits); when
 *                     several match a unit, the largest minimum applies
 * @param pins         units that must get exactly some width (which must be a candidate)
 * @param layerBudgets per-layer maxima of the average bits, in the enforced accounting mode
 */
public record AllocationConstraints(List<MinBits> minimums, List<Pin> pins, List<LayerBudget> layerBudgets) {

    public static final AllocationConstraints NONE = new AllocationConstraints(List.of(), List.of(), List.of());

    /** Units matching {@code select} get ≥ {@code bits}. */
    public record MinBits(UnitSelector select, int bits) {
    }

    /** Units matching {@code select} get exactly {@code bits}. */
    public record Pin(UnitSelector select, int bits) {
    }

    /**
     * Layer {@code layer} averages at most {@code maxAverageBits} over its share of N, i.e. over
     * {@code N · Σ_{u∈layer} n_u / Σ_u n_u} weights (the layer's own unit elements when N = Σ n_u). In
     * {@link Accounting#PLUS_BASIS} the basis overhead is charged to layers in the same proportion.
     */
    public record LayerBudget(int layer, double maxAverageBits) {
    }

    public AllocationConstraints {
        minimums = List.copyOf(minimums == null ? List.of() : minimums);
        pins = List.copyOf(pins == null ? List.of() : pins);
        layerBudgets = List.copyOf(layerBudgets == null ? List.of() : layerBudgets);
    }

    public boolean isEmpty() {
        return minimums.isEmpty() && pins.isEmpty() && layerBudgets.isEmpty();
    }

    public boolean hasLayerBudgets() {
        return !layerBudgets.isEmpty();
    }

    public AllocationConstraints withMinimum(UnitSelector select, int bits) {
        return new AllocationConstraints(append(minimums, new MinBits(select, bits)), pins, layerBudgets);
    }

    public AllocationConstraints withPin(UnitSelector select, int bits) {
        return new AllocationConstraints(minimums, append(pins, new Pin(select, bits)), layerBudgets);
    }

    public AllocationConstraints withLayerBudget(int layer, double maxAverageBits) {
        return new AllocationConstraints(minimums, pins, append(layerBudgets, new LayerBudget(layer, maxAverageBits)));
    }

    private static <T> List<T> append(List<T> list, T item) {
        var out = new java.util.ArrayList<>(list);
        out.add(item);
        return out;
    }
}
