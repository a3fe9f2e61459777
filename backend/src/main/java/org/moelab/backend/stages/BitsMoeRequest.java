package org.moelab.backend.stages;

import org.moelab.backend.api.ApiError;
import org.moelab.backend.api.ApiException;
import org.moelab.backend.api.Check;
import org.moelab.baselines.routernorm.RouterNormMixedPrecision;
import org.moelab.bitsmoe.BitsMoeOptions;
import org.moelab.bitsmoe.PinRule;
import org.moelab.bitsmoe.allocation.Accounting;
import org.moelab.bitsmoe.allocation.AllocationProblem;
import org.moelab.bitsmoe.allocation.BitAllocation;
import org.moelab.bitsmoe.calibration.CalibrationCoverage;
import org.moelab.bitsmoe.execution.BasisStorage;
import org.moelab.model.ModelConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The settings of an allocation (dry run) or a quantization, with the CLI's names and defaults (methods.md §1).
 * Only {@code bits} is required. A quantization with {@code method} rtn, gptq or routernorm reads {@code bits},
 * {@code name} and (gptq, routernorm) the calibration fields; the BitsMoE-only fields are refused with it.
 *
 * @param bits                 target average bits per routed-expert weight, in [0, 16]
 * @param mode                 payload (default), plus-scales, plus-basis
 * @param solver               auto (default), dp, greedy, mip
 * @param rank                 shared-basis rank; 0 = H (default)
 * @param basis                bf16 (default), f32 or int8 (group 128, methods.md §1.1)
 * @param candidates           candidate widths (default 0,1,2,3,4,8,16)
 * @param calibrationSequences default 128
 * @param calibrationLength    tokens per sequence, default 512
 * @param seed                 calibration sampling seed, default 1234
 * @param coveragePolicy       floor (default), route-all, more-data
 * @param layers               quantize only these MoE layers (a preview)
 * @param pins                 e.g. "layers.0.*=4"
 * @param publicScales         the public runtime's mean|x| scale start instead of multi-start
 * @param method               quantization only: bitsmoe (default), rtn, gptq (an integer width 1..8 for every expert) or
 *                             routernorm (an average the 3/2-bit tiers reach exactly); the last three write a dequantized
 *                             (simulation) checkpoint
 * @param name                 quantization only: the artifact's model id (default: {model}-{method}-{bits}b-{random})
 * @param cejd                 mobie only: the joint decomposition (default true; false is the ablation)
 * @param glas                 mobie only: gradient-aware saliency (default true)
 * @param nges                 mobie only: the router-input null-space constraint (default true)
 * @param sixteen              storage of 16-bit components: fp16 (default, methods.md §1.2) or int16 (levels with fp16
 *                             group scales)
 */
public record BitsMoeRequest(Double bits, String mode, String solver, Integer rank, String basis, List<Integer> candidates,
                             Integer calibrationSequences, Integer calibrationLength, Long seed, String coveragePolicy,
                             List<Integer> layers, List<String> pins, Boolean publicScales, String method, String name,
                             Boolean cejd, Boolean glas, Boolean nges, String sixteen) {

    static final List<Integer> WIDTHS = Arrays.stream(AllocationProblem.DEFAULT_CANDIDATES).boxed().toList();
    static final List<String> METHODS = List.of("bitsmoe", "rtn", "gptq", "routernorm", "mobie");

    /** A request with only the fields a decomposition reads. */
    static BitsMoeRequest forDecomposition(Integer rank, List<Integer> layers) {
        return new BitsMoeRequest(0.0, null, null, rank, null, null, null, null, null, null, layers, null, null, null, null,
                null, null, null, null);
    }

    /** The validated options; 422 naming the field otherwise. */
    public BitsMoeOptions options(ModelConfig model) {
        refuseMobieSwitches("BitsMoE");
        double b = Check.range("bits", Check.required("bits", bits), 0, 0, 16);
        Accounting m = switch (Check.oneOf("mode", mode, "payload", List.of("payload", "plus-scales", "plus-basis"))) {
            case "plus-scales" -> Accounting.PLUS_SCALES;
            case "plus-basis" -> Accounting.PLUS_BASIS;
            default -> Accounting.PAYLOAD;
        };
        BitAllocation.Solver s = BitAllocation.Solver.valueOf(
                Check.oneOf("solver", solver, "auto", List.of("auto", "dp", "greedy", "mip")).toUpperCase());
        int r = Check.range("rank", rank, 0, 0, model.hidden());
        BasisStorage basisStorage = BasisStorage.parse(Check.oneOf("basis", basis, "bf16", List.of("bf16", "f32", "int8")));
        boolean int16 = Check.oneOf("sixteen", sixteen, "fp16", List.of("fp16", "int16")).equals("int16");
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
        return new BitsMoeOptions(b, m, s, cands, r, true, d.groupSize(), publicScales == null || !publicScales,
                d.coverageFraction(), policy, d.floorWeight(), ls, pinRules).withBasis(basisStorage).withInt16(int16);
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
        return Check.oneOf("method", method, "bitsmoe", METHODS);
    }

    /**
     * For rtn, gptq and routernorm: refuses the fields only BitsMoE reads (and, for rtn, which reads no calibration
     * data, the calibration fields) with a 422 naming the field, rather than ignoring them.
     */
    public void checkBaselineFields(String method) {
        Map<String, Object> bitsMoeOnly = new LinkedHashMap<>();
        bitsMoeOnly.put("mode", mode);
        bitsMoeOnly.put("solver", solver);
        bitsMoeOnly.put("rank", rank);
        bitsMoeOnly.put("basis", basis);
        bitsMoeOnly.put("candidates", candidates);
        bitsMoeOnly.put("coveragePolicy", coveragePolicy);
        bitsMoeOnly.put("layers", layers);
        bitsMoeOnly.put("pins", pins);
        bitsMoeOnly.put("publicScales", publicScales);
        bitsMoeOnly.put("sixteen", sixteen);
        for (Map.Entry<String, Object> f : bitsMoeOnly.entrySet()) {
            if (f.getValue() != null) {
                throw ApiException.invalid(f.getKey(), "field '" + f.getKey() + "' is a BitsMoE option; method " + method
                        + " does not read it (leave it out, or use method bitsmoe)");
            }
        }
        if (!method.equals("mobie")) refuseMobieSwitches("method " + method);
        if (method.equals("rtn")) {
            Map<String, Object> calibration = new LinkedHashMap<>();
            calibration.put("calibrationSequences", calibrationSequences);
            calibration.put("calibrationLength", calibrationLength);
            calibration.put("seed", seed);
            for (Map.Entry<String, Object> f : calibration.entrySet()) {
                if (f.getValue() != null) {
                    throw ApiException.invalid(f.getKey(), "field '" + f.getKey()
                            + "': method rtn reads no calibration data; leave it out");
                }
            }
        }
    }

    /** 422 naming the first MoBiE ablation switch given to another method. */
    private void refuseMobieSwitches(String who) {
        Map<String, Boolean> switches = new LinkedHashMap<>();
        switches.put("cejd", cejd);
        switches.put("glas", glas);
        switches.put("nges", nges);
        for (Map.Entry<String, Boolean> f : switches.entrySet()) {
            if (f.getValue() != null) {
                throw ApiException.invalid(f.getKey(), "field '" + f.getKey() + "' is a MoBiE ablation switch; " + who
                        + " does not read it (leave it out, or use method mobie)");
            }
        }
    }

    /** mobie: one fixed binary budget; {@code bits} may be left out or be 1 (≈1.1 in the paper's convention). */
    public double mobieBits() {
        if (bits != null && bits != 1.0) {
            throw ApiException.invalid("bits", "field 'bits': method mobie binarizes every expert (1 bit per weight plus its "
                    + "bitmaps and scales); leave 'bits' out or give 1, got " + bits);
        }
        return 1.0;
    }

    /** The MoBiE options with the requested ablations (every component on by default). */
    public org.moelab.mobie.Mobie.Options mobieOptions() {
        return org.moelab.mobie.Mobie.Options.defaults().with(cejd == null || cejd, glas == null || glas, nges == null || nges);
    }

    /** rtn and gptq: one width for every expert, an integer in [1, 8]; 422 naming {@code bits} otherwise. */
    public int uniformBits(String method) {
        double b = Check.required("bits", bits);
        if (b != Math.rint(b) || b < 1 || b > 8) {
            throw ApiException.invalid("bits", "field 'bits' must be an integer in [1, 8] for method " + method
                    + " (one uniform width for every expert), got " + b);
        }
        return (int) b;
    }

    /**
     * routernorm: the default options (3/2-bit tiers by router-norm rank, exact target) once the target is reachable
     * with the model's experts per layer; otherwise 422 {@code budget_infeasible} naming {@code bits}, with the
     * levels and the achievable step (averages are low + k·(high − low)/E).
     */
    public RouterNormMixedPrecision.Options routerNormOptions(ModelConfig model) {
        double b = Check.required("bits", bits);
        RouterNormMixedPrecision.Options o = RouterNormMixedPrecision.Options.defaults(b);
        try {
            o.tiers().counts(model.experts(), b, o.rounding());
        } catch (IllegalArgumentException e) {
            int[] levels = o.tiers().levels();
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("requested", b);
            d.put("minAverageBits", levels[levels.length - 1]);
            d.put("maxAverageBits", levels[0]);
            d.put("mode", "payload");
            d.put("levels", levels);
            d.put("experts", model.experts());
            d.put("step", (double) (levels[0] - levels[1]) / model.experts());
            // core's hint names its Java API (Rounding.NEAREST), which this endpoint does not expose
            String message = e.getMessage().replaceFirst(" \\(use Rounding\\.NEAREST[^)]*\\)", "");
            throw new ApiException(422, new ApiError("invalid_request", "budget_infeasible", "method routernorm: " + message, "bits", d),
                    null);
        }
        return o;
    }
}
