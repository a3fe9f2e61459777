package org.moelab.bitsmoe;

import org.moelab.bitsmoe.allocation.Accounting;
import org.moelab.bitsmoe.allocation.AllocationProblem;
import org.moelab.bitsmoe.allocation.BitAllocation;
import org.moelab.bitsmoe.calibration.CalibrationCoverage;
import org.moelab.bitsmoe.execution.BasisStorage;
import org.moelab.quant.SymmetricGroupQuantizer;

import java.util.List;

/**
 * Every setting of a BitsMoE run (methods.md §1), with the documented defaults.
 *
 * @param bits              b̄, the target average bits per routed-expert weight
 * @param mode              accounting mode the budget is enforced in (payload by default; all three are reported)
 * @param solver            allocation solver (AUTO: exact DP when it fits, else the hull greedy with its gap)
 * @param candidates        candidate widths B ({0,1,2,3,4,8,16} [choice])
 * @param rank              r, or 0 for r = H ([choice] default: exact change of basis)
 * @param basis             storage of the shared bases: BF16 ([choice] default), F32, or INT8 (group 128, methods.md §1.1)
 * @param groupSize         g of the component quantizer (128)
 * @param multiStartScales  [choice] multi-start least-squares scales (true) or the public runtime's mean|x| start
 * @param coverageFraction  an expert is flagged below this fraction of a uniform share of routed tokens
 * @param coveragePolicy    what happens to flagged experts
 * @param floorWeight       cost-model floor for flagged experts, as a fraction of the layer's mean energy
 * @param layers            MoE layers to quantize (null = all; a preview uses the first few)
 * @param pins              user pins, applied over the allocation
 * @param int16             16-bit components as int16 levels with fp16 group scales instead of fp16 values (an option;
 *                          methods.md §1.2's default is "16 = kept as fp16")
 */
public record BitsMoeOptions(double bits, Accounting mode, BitAllocation.Solver solver, int[] candidates, int rank,
                             BasisStorage basis, int groupSize, boolean multiStartScales, double coverageFraction,
                             CalibrationCoverage.Policy coveragePolicy, double floorWeight, List<Integer> layers,
                             List<PinRule> pins, boolean int16) {

    public BitsMoeOptions {
        if (!(bits >= 0 && bits <= 16)) {
            throw new IllegalArgumentException("--bits " + bits + " is impossible: the average must be in [0, 16] bits per weight");
        }
        candidates = candidates.clone();
        pins = pins == null ? List.of() : List.copyOf(pins);
        layers = layers == null ? null : List.copyOf(layers);
        if (rank < 0) throw new IllegalArgumentException("rank " + rank + " (use 0 for r = H)");
        if (groupSize <= 0) throw new IllegalArgumentException("group size " + groupSize);
        java.util.Objects.requireNonNull(basis, "basis");
    }

    /** As the canonical constructor, with bf16 ({@code true}) or f32 bases. */
    public BitsMoeOptions(double bits, Accounting mode, BitAllocation.Solver solver, int[] candidates, int rank, boolean basisBf16,
                          int groupSize, boolean multiStartScales, double coverageFraction, CalibrationCoverage.Policy coveragePolicy,
                          double floorWeight, List<Integer> layers, List<PinRule> pins) {
        this(bits, mode, solver, candidates, rank, basisBf16 ? BasisStorage.BF16 : BasisStorage.F32, groupSize, multiStartScales,
                coverageFraction, coveragePolicy, floorWeight, layers, pins, false);
    }

    /** As the canonical constructor, with 16-bit components stored as fp16 (the default). */
    public BitsMoeOptions(double bits, Accounting mode, BitAllocation.Solver solver, int[] candidates, int rank, BasisStorage basis,
                          int groupSize, boolean multiStartScales, double coverageFraction, CalibrationCoverage.Policy coveragePolicy,
                          double floorWeight, List<Integer> layers, List<PinRule> pins) {
        this(bits, mode, solver, candidates, rank, basis, groupSize, multiStartScales, coverageFraction, coveragePolicy, floorWeight,
                layers, pins, false);
    }

    /** Whether the bases are bf16 (the default). */
    public boolean basisBf16() {
        return basis == BasisStorage.BF16;
    }

    public static BitsMoeOptions defaults(double bits) {
        return new BitsMoeOptions(bits, Accounting.PAYLOAD, BitAllocation.Solver.AUTO, AllocationProblem.DEFAULT_CANDIDATES,
                0, BasisStorage.BF16, 128, true, 0.05, CalibrationCoverage.Policy.FLOOR, 0.1, null, List.of(), false);
    }

    public BitsMoeOptions withBits(double b) {
        return new BitsMoeOptions(b, mode, solver, candidates, rank, basis, groupSize, multiStartScales, coverageFraction,
                coveragePolicy, floorWeight, layers, pins, int16);
    }

    public BitsMoeOptions withBasisBf16(boolean bf16) {
        return withBasis(bf16 ? BasisStorage.BF16 : BasisStorage.F32);
    }

    public BitsMoeOptions withBasis(BasisStorage b) {
        return new BitsMoeOptions(bits, mode, solver, candidates, rank, b, groupSize, multiStartScales, coverageFraction,
                coveragePolicy, floorWeight, layers, pins, int16);
    }

    public BitsMoeOptions withCandidates(int... c) {
        return new BitsMoeOptions(bits, mode, solver, c, rank, basis, groupSize, multiStartScales, coverageFraction,
                coveragePolicy, floorWeight, layers, pins, int16);
    }

    public BitsMoeOptions withLayers(List<Integer> l) {
        return new BitsMoeOptions(bits, mode, solver, candidates, rank, basis, groupSize, multiStartScales, coverageFraction,
                coveragePolicy, floorWeight, l, pins, int16);
    }

    public BitsMoeOptions withPins(List<PinRule> p) {
        return new BitsMoeOptions(bits, mode, solver, candidates, rank, basis, groupSize, multiStartScales, coverageFraction,
                coveragePolicy, floorWeight, layers, p, int16);
    }

    public BitsMoeOptions withSolver(BitAllocation.Solver s) {
        return new BitsMoeOptions(bits, mode, s, candidates, rank, basis, groupSize, multiStartScales, coverageFraction,
                coveragePolicy, floorWeight, layers, pins, int16);
    }

    public BitsMoeOptions withMode(Accounting m) {
        return new BitsMoeOptions(bits, m, solver, candidates, rank, basis, groupSize, multiStartScales, coverageFraction,
                coveragePolicy, floorWeight, layers, pins, int16);
    }

    public BitsMoeOptions withRank(int r) {
        return new BitsMoeOptions(bits, mode, solver, candidates, r, basis, groupSize, multiStartScales, coverageFraction,
                coveragePolicy, floorWeight, layers, pins, int16);
    }

    public BitsMoeOptions withCoveragePolicy(CalibrationCoverage.Policy p) {
        return new BitsMoeOptions(bits, mode, solver, candidates, rank, basis, groupSize, multiStartScales, coverageFraction,
                p, floorWeight, layers, pins, int16);
    }

    public BitsMoeOptions withInt16(boolean i16) {
        return new BitsMoeOptions(bits, mode, solver, candidates, rank, basis, groupSize, multiStartScales, coverageFraction,
                coveragePolicy, floorWeight, layers, pins, i16);
    }

    public SymmetricGroupQuantizer quantizer() {
        SymmetricGroupQuantizer.Options o = multiStartScales ? SymmetricGroupQuantizer.Options.defaults()
                : SymmetricGroupQuantizer.Options.publicRuntime();
        return new SymmetricGroupQuantizer(o.withGroupSize(groupSize).withInt16(int16));
    }
}
