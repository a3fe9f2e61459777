package org.moelab.cli;

import org.moelab.bitsmoe.BitsMoeOptions;
import org.moelab.bitsmoe.PinRule;
import org.moelab.bitsmoe.allocation.Accounting;
import org.moelab.bitsmoe.allocation.BitAllocation;
import org.moelab.bitsmoe.calibration.CalibrationCorpus;
import org.moelab.bitsmoe.calibration.CalibrationCoverage;
import org.moelab.bitsmoe.calibration.CalibrationSet;
import org.moelab.bitsmoe.execution.BasisStorage;
import org.moelab.tokenizer.MoeTokenizer;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The BitsMoE options shared by {@code quantize} and {@code allocate}. */
final class BitsMoeArgs {

    @Option(names = "--bits", paramLabel = "B",
            description = "Target average bits per routed-expert weight, in [0, 16] (e.g. 2, 2.5, 3). Required, except for "
                    + "quantize --method mobie (one fixed binary budget).")
    Double bits;

    /** --bits, which {@code method} needs. */
    double bits(String method) {
        if (bits == null) throw new IllegalArgumentException("--bits B is required for " + method + " (e.g. --bits 2.5)");
        return bits;
    }

    @Option(names = "--mode", paramLabel = "MODE", description = "Budget accounting: payload (default), plus-scales, plus-basis. All three are reported.")
    String mode = "payload";

    @Option(names = "--solver", paramLabel = "S", description = "auto (default: exact DP when it fits, else hull greedy with its gap), dp, greedy, mip.")
    String solver = "auto";

    @Option(names = "--rank", paramLabel = "R", description = "Shared-basis rank r; 0 = H, an exact change of basis (default).")
    int rank = 0;

    @Option(names = "--basis", paramLabel = "DTYPE", description = "Storage of the shared bases: bf16 (default), f32, or int8 (absmax, one fp16 scale per 128).")
    String basis = "bf16";

    @Option(names = "--sixteen", paramLabel = "FORMAT", description = {"Storage of 16-bit components: fp16 (default, methods.md §1.2)",
            "or int16 (levels with one fp16 scale per group: no bits spent on an exponent, about 10x finer on unit vectors)."})
    String sixteen = "fp16";

    @Option(names = "--calibration-sequences", paramLabel = "N", description = "Calibration sequences (default ${DEFAULT-VALUE}).")
    int sequences = 128;

    @Option(names = "--calibration-length", paramLabel = "T", description = "Tokens per calibration sequence (default ${DEFAULT-VALUE}).")
    int length = 512;

    @Option(names = "--seed", description = "Calibration sampling seed (default ${DEFAULT-VALUE}).")
    long seed = 1234;

    @Option(names = "--coverage-policy", paramLabel = "P",
            description = {"Experts with too few calibration tokens: floor (default: cost floor, reported), route-all",
                    "(their statistics from every calibration token of the layer) or more-data (refuse)."})
    String coveragePolicy = "floor";

    @Option(names = "--layers", paramLabel = "LIST", description = "Quantize only these MoE layers (preview), e.g. 0-1 or 0,2.")
    String layers;

    @Option(names = "--pin", paramLabel = "RULE", description = "Pin widths, always honoured: e.g. 'layers.0.*=4', 'layers.*.down=8'. Repeatable.")
    List<String> pins = new ArrayList<>();

    @Option(names = "--public-scales", description = "Start the scale fit from mean|x| only, as the public runtime does (default: multi-start).")
    boolean publicScales;

    BitsMoeOptions options() {
        double bits = bits("bitsmoe");
        if (!(bits >= 0 && bits <= 16)) {
            throw new IllegalArgumentException("--bits " + bits + " is impossible: the average must be in [0, 16] bits per weight");
        }
        Accounting m = switch (mode.toLowerCase(Locale.ROOT)) {
            case "payload" -> Accounting.PAYLOAD;
            case "plus-scales", "+scales" -> Accounting.PLUS_SCALES;
            case "plus-basis", "+basis" -> Accounting.PLUS_BASIS;
            default -> throw new IllegalArgumentException("--mode " + mode + ": expected payload, plus-scales or plus-basis");
        };
        BitAllocation.Solver s;
        try {
            s = BitAllocation.Solver.valueOf(solver.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--solver " + solver + ": expected auto, dp, greedy or mip");
        }
        BasisStorage storage = BasisStorage.parse(basis);
        CalibrationCoverage.Policy policy = switch (coveragePolicy.toLowerCase(Locale.ROOT)) {
            case "floor" -> CalibrationCoverage.Policy.FLOOR;
            case "more-data" -> CalibrationCoverage.Policy.MORE_DATA;
            case "route-all" -> CalibrationCoverage.Policy.ROUTE_ALL;
            default -> throw new IllegalArgumentException("--coverage-policy " + coveragePolicy + ": expected floor, route-all or more-data");
        };
        BitsMoeOptions d = BitsMoeOptions.defaults(bits);
        boolean int16 = switch (sixteen.toLowerCase(Locale.ROOT)) {
            case "fp16" -> false;
            case "int16" -> true;
            default -> throw new IllegalArgumentException("--sixteen " + sixteen + ": expected fp16 or int16");
        };
        return new BitsMoeOptions(bits, m, s, d.candidates(), rank, storage, d.groupSize(), !publicScales, d.coverageFraction(),
                policy, d.floorWeight(), layers == null ? null : parseLayers(layers), pins.stream().map(PinRule::parse).toList(), int16);
    }

    CalibrationSet calibration(MoeTokenizer tok) {
        if (sequences < 1 || length < 2) {
            throw new IllegalArgumentException("--calibration-sequences >= 1 and --calibration-length >= 2 are required");
        }
        Log.info("calibration: %d sequences x %d tokens from %s (seed %d)", sequences, length, CalibrationCorpus.DEFAULT_FILES, seed);
        return CalibrationCorpus.sample(tok, CalibrationCorpus.defaultFiles(ModelOption.home()),
                sequences, length, seed, 0.05);
    }

    /** "0-1" → [0, 1]; "0,2" → [0, 2]; "1-3,5" → [1, 2, 3, 5]. */
    static List<Integer> parseLayers(String text) {
        List<Integer> out = new ArrayList<>();
        try {
            for (String part : text.split(",")) {
                String p = part.strip();
                int dash = p.indexOf('-');
                int from = Integer.parseInt(dash < 0 ? p : p.substring(0, dash).strip());
                int to = dash < 0 ? from : Integer.parseInt(p.substring(dash + 1).strip());
                if (from < 0 || to < from) throw new NumberFormatException();
                for (int l = from; l <= to; l++) if (!out.contains(l)) out.add(l);
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--layers " + text + ": expected layer numbers and ranges such as 0-1 or 0,2");
        }
        return out;
    }
}
