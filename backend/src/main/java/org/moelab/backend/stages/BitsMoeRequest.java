package org.moelab.backend.stages;

import org.moelab.backend.api.ApiException;
import org.moelab.backend.api.Check;
import org.moelab.bitsmoe.BitsMoeOptions;
import org.moelab.bitsmoe.PinRule;
import org.moelab.bitsmoe.allocation.Accounting;
import org.moelab.bitsmoe.allocation.AllocationProblem;
import org.moelab.bitsmoe.allocation.BitAllocation;
import org.moelab.bitsmoe.calibration.CalibrationCoverage;
import org.moelab.model.ModelConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The settings of an allocation (dry run) or a BitsMoE quantization, with the CLI's names and defaults
 * (methods.md §1). Only {@code bits} is required.
 *
 * @param bits                 target average bits per routed-expert weight, in [0, 16]
 * @param mode                 payload (default), plus-scales, plus-basis
 * @param solver               auto (default), dp, greedy, mip
 * @param rank                 shared-basis rank; 0 = H (default)
 * @param basis                bf16 (default) or f32
 * @param candidates           candidate widths (default 0,1,2,3,4,8,16)
 * @param calibrationSequences default 128
 * @param calibrationLength    tokens per sequence, default 512
 * @param seed                 calibration sampling seed, default 1234
 * @param coveragePolicy       floor (default), route-all, more-data
 * @param layers               quantize only these MoE layers (a preview)
 * @param pins                 e.g. "layers.0.*=4"
 * @param publicScales         the public runtime's mean|x| scale start instead of multi-start
 * @param method               quantization only: bitsmoe (the only one so far)
 * @param name                 quantization only: the artifact's model id (default: {model}-bitsmoe-{bits}b-{job})
 */
public record BitsMoeRequest(Double bits, String mode, String solver, Integer rank, String basis, List<Integer> candidates,
                             Integer calibrationSequences, Integer calibrationLength, Long seed, String coveragePolicy,
                             List<Integer> layers, List<String> pins, Boolean publicScales, String method, String name) {

    static final List<Integer> WIDTHS = Arrays.stream(AllocationProblem.DEFAULT_CANDIDATES).boxed().toList();

    /** The validated options; 422 naming the field otherwise. */
    public BitsMoeOptions options(ModelConfig model) {
        double b = Check.range("bits", Check.required("bits", bits), 0, 0, 16);
        Accounting m = switch (Check.oneOf("mode", mode, "payload", List.of("payload", "plus-scales", "plus-basis"))) {
            case "plus-scales" -> Accounting.PLUS_SCALES;
            case "plus-basis" -> Accounting.PLUS_BASIS;
            default -> Accounting.PAYLOAD;
        };
        BitAllocation.Solver s = BitAllocation.Solver.valueOf(
                Check.oneOf("solver", solver, "auto", List.of("auto", "dp", "greedy", "mip")).toUpperCase());
        int r = Check.range("rank", rank, 0, 0, model.hidden());
        boolean bf16 = Check.oneOf("basis", basis, "bf16", List.of("bf16", "f32")).equals("bf16");
        int[] cands = AllocationProblem.DEFAULT_CANDIDATES;
        if (candidates != null) {
            if (candidates.isEmpty()) throw ApiException.invalid("candidates", "field 'candidates' must list at least one width");
            for (Integer c : candidates) {
                if (c == null || !WIDTHS.contains(c)) {
                    throw ApiException.invalid("candidates", "field 'candidates' may only hold widths " + WIDTHS + ", got " + c);
                }
            }
            cands = candidates.stream().distinct().sorted().mapToInt(Integer::intValue).toArray();
        }
        CalibrationCoverage.Policy policy = switch (Check.oneOf("coveragePolicy", coveragePolicy, "floor",
                List.of("floor", "route-all", "more-data"))) {
            case "route-all" -> CalibrationCoverage.Policy.ROUTE_ALL;
            case "more-data" -> CalibrationCoverage.Policy.MORE_DATA;
            default -> CalibrationCoverage.Policy.FLOOR;
        };
        List<Integer> ls = null;
        if (layers != null) {
            if (layers.isEmpty()) throw ApiException.invalid("layers", "field 'layers' must name at least one layer (omit it for all)");
            ls = new ArrayList<>();
            for (Integer l : layers) {
                if (l == null || l < 0 || l >= model.layers() || !model.isMoeLayer(l)) {
                    throw ApiException.invalid("layers", "field 'layers': " + l + " is not an MoE layer of this model (0.."
                            + (model.layers() - 1) + ", dense: " + model.denseLayers() + ")");
                }
                if (!ls.contains(l)) ls.add(l);
            }
        }
        List<PinRule> pinRules = new ArrayList<>();
        if (pins != null) {
            for (String p : pins) {
                try {
                    pinRules.add(PinRule.parse(Check.text("pins", p)));
                } catch (IllegalArgumentException e) {
                    throw ApiException.invalid("pins", e.getMessage());
                }
            }
        }
        BitsMoeOptions d = BitsMoeOptions.defaults(b);
        return new BitsMoeOptions(b, m, s, cands, r, bf16, d.groupSize(), publicScales == null || !publicScales,
                d.coverageFraction(), policy, d.floorWeight(), ls, pinRules);
    }

    public int sequences() {
        return Check.range("calibrationSequences", calibrationSequences, 128, 1, 4096);
    }

    public int length(ModelConfig model) {
        return Check.range("calibrationLength", calibrationLength, Math.min(512, model.maxPositions()), 2, model.maxPositions());
    }

    public long seedOrDefault() {
        return seed == null ? 1234 : seed;
    }

    public String methodOrDefault() {
        return Check.oneOf("method", method, "bitsmoe", List.of("bitsmoe"));
    }
}
