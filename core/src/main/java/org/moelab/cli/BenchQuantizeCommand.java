package org.moelab.cli;

import org.moelab.baselines.GptqQuantizer;
import org.moelab.bitsmoe.BitsMoe;
import org.moelab.bitsmoe.BitsMoeOptions;
import org.moelab.bitsmoe.BitsMoeRunner;
import org.moelab.bitsmoe.calibration.CalibrationCorpus;
import org.moelab.bitsmoe.calibration.CalibrationSet;
import org.moelab.model.MoeModel;
import org.moelab.tokenizer.MoeTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

@Command(name = "quantize", mixinStandardHelpOptions = true,
        header = "Wall time and peak heap of each quantization stage, BitsMoE vs GPTQ, in one run.",
        description = {"Wall time of each quantization stage and peak heap, for BitsMoE and GPTQ on the same model",
                "and calibration set, in one run, with their ratio (the paper reports BitsMoE 12.3x faster)."})
final class BenchQuantizeCommand implements Runnable {

    @Mixin
    ModelOption model;

    @Option(names = "--methods", split = ",", description = "Comma list of gptq, bitsmoe (default: both).")
    List<String> methods = new ArrayList<>(List.of("gptq", "bitsmoe"));

    @Option(names = "--bits", description = "Bits for both methods (GPTQ needs an integer; default ${DEFAULT-VALUE}).")
    int bits = 2;

    @Option(names = "--calibration-sequences", description = "Calibration sequences (default ${DEFAULT-VALUE}).")
    int sequences = 128;

    @Option(names = "--calibration-length", description = "Tokens per sequence (default ${DEFAULT-VALUE}).")
    int length = 512;

    @Option(names = "--json", description = "Print one JSON line.")
    boolean json;

    @Override
    public void run() {
        for (String m : methods) {
            if (!m.equals("gptq") && !m.equals("bitsmoe")) throw new IllegalArgumentException("--methods: unknown method '" + m + "'; expected gptq, bitsmoe");
        }
        if (bits < 1 || bits > 8) throw new IllegalArgumentException("--bits must be in 1..8 for GPTQ, got " + bits);
        Map<String, Object> out = new LinkedHashMap<>();
        try (MoeModel m = model.load(); MoeTokenizer tok = MoeTokenizer.load(model.resolve())) {
            CalibrationSet cal = CalibrationCorpus.sample(tok, CalibrationCorpus.defaultFiles(ModelOption.home()), sequences, length, 1234, 0.05);
            out.put("model", model.resolve().getFileName().toString());
            out.put("calibration_tokens", cal.tokens());
            out.put("bits", bits);
            out.put("threads", org.moelab.compute.Parallel.threads());
            Double gptqSeconds = null;
            Double bitsmoeSeconds = null;
            for (String method : methods) {
                if (method.equals("gptq")) {
                    Log.info("GPTQ %d-bit ...", bits);
                    GptqQuantizer.Result r = GptqQuantizer.quantize(m, cal, GptqQuantizer.Options.defaults(bits), Log.progressBar());
                    gptqSeconds = r.seconds();
                    List<Map<String, Object>> layers = new ArrayList<>();
                    r.layers().forEach(l -> layers.add(Map.of("layer", l.layer(), "seconds", l.seconds())));
                    out.put("gptq_seconds", r.seconds());
                    out.put("gptq_layers", layers);
                } else {
                    Log.info("BitsMoE %d-bit ...", bits);
                    long t0 = System.nanoTime();
                    BitsMoeRunner.Planned p = BitsMoeRunner.plan(m, BitsMoeOptions.defaults(bits), cal, Log.progressBar());
                    long t1 = System.nanoTime();
                    new BitsMoe(p.options()).pack(p.decompositions(), p.plan(), Log.progressBar());
                    long t2 = System.nanoTime();
                    List<BitsMoeRunner.StageTime> stages = new ArrayList<>(p.stages());
                    stages.add(new BitsMoeRunner.StageTime("pack", (t2 - t1) / 1e9, 0));
                    bitsmoeSeconds = (t2 - t0) / 1e9;
                    out.put("bitsmoe_seconds", bitsmoeSeconds);
                    out.put("bitsmoe_stages", stages);
                }
            }
            out.put("peak_heap_bytes", BitsMoeRunner.peakHeapBytes());
            if (gptqSeconds != null && bitsmoeSeconds != null) out.put("gptq_over_bitsmoe", gptqSeconds / bitsmoeSeconds);
        }
        if (json) {
            Json.print(out);
            return;
        }
        out.forEach((k, v) -> System.out.printf(Locale.ROOT, "%-22s %s%n", k, v));
    }
}
