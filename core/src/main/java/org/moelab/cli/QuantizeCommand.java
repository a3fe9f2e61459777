package org.moelab.cli;

import org.moelab.bitsmoe.BitsMoeRunner;
import org.moelab.bitsmoe.RunCheckpoint;
import org.moelab.bitsmoe.artifact.BitsMoeArtifact;
import org.moelab.bitsmoe.calibration.CalibrationSet;
import org.moelab.model.MoeModel;
import org.moelab.tokenizer.MoeTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = {"Quantize the routed experts of a model and write an artifact directory that ppl, generate,",
                "logits, info and bench decode accept as --model. Method: bitsmoe (methods.md §1)."})
final class QuantizeCommand implements Runnable {

    @Mixin
    ModelOption model;

    @Mixin
    BitsMoeArgs args;

    @Option(names = "--method", description = "Quantization method: bitsmoe (default).")
    String method = "bitsmoe";

    @Option(names = "--out", paramLabel = "DIR", description = "Artifact directory to write (atomically). Required unless --dry-run.")
    Path out;

    @Option(names = "--dry-run", description = "Show the plan with size, peak-memory and time estimates; write nothing.")
    boolean dryRun;

    @Option(names = "--resume", description = {"Continue an interrupted run of the same options, model and calibration from",
            "its first unfinished layer (work is kept in .<out>.partial/ beside --out); a different run is refused."})
    boolean resume;

    @Option(names = "--json", description = "Print one JSON line {out, method, bits_payload, bits_with_scales, bits_with_basis, bytes, seconds}.")
    boolean json;

    @Override
    public void run() {
        try {
            quantize();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void quantize() throws com.fasterxml.jackson.core.JsonProcessingException {
        if (!"bitsmoe".equals(method.toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("--method " + method + " is not available for quantize; methods: bitsmoe");
        }
        if (out == null && !dryRun) throw new IllegalArgumentException("--out DIR is required (or use --dry-run)");
        var options = args.options();
        try (MoeModel m = model.load(); MoeTokenizer tok = MoeTokenizer.load(model.resolve())) {
            CalibrationSet cal = args.calibration(tok);
            RunCheckpoint work = null;
            if (!dryRun) {
                Path dir = RunCheckpoint.directoryFor(out);
                if (!resume && Files.isDirectory(dir)) Log.info("discarding the work of an interrupted run in %s (use --resume to continue it)", dir);
                String opts = Json.MAPPER.writeValueAsString(options);
                work = RunCheckpoint.open(out, new RunCheckpoint.Identity(opts, BitsMoeArtifact.sourceSha256(m), cal.sha256()), resume);
                Log.info("work files (for --resume): %s", work.directory());
            } else if (resume) {
                throw new IllegalArgumentException("--resume and --dry-run do not go together");
            }
            BitsMoeRunner.Planned p = BitsMoeRunner.plan(m, options, cal, work, Log.progressBar());
            if (dryRun) {
                if (json) Json.print(PlanReport.json(p));
                else PlanReport.print(p, System.out);
                return;
            }
            if (!json) PlanReport.print(p, System.err);
            BitsMoeRunner.Summary s = BitsMoeRunner.quantize(m, p, out, work, Log.progressBar());
            Log.info("planned %.4f payload bits/weight, achieved %.4f (%.4f with scales); %d bytes; %.1f s",
                    s.plannedPayloadBits(), s.achievedPayloadBits(), s.achievedBitsWithScales(), s.manifest().bytes(), s.seconds());
            s.stages().forEach(t -> Log.info("  %-10s %7.2f s  peak heap %7.1f MiB", t.stage(), t.seconds(), t.peakHeapBytes() / 1048576.0));
            s.fallbacks().forEach(f -> Log.info("  fallback: %s", f));
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("out", out.toAbsolutePath().toString());
            r.put("method", "bitsmoe");
            r.put("bits_payload", s.manifest().bitsPayload());
            r.put("bits_with_scales", s.manifest().bitsWithScales());
            r.put("bits_with_basis", s.manifest().bitsWithBasis());
            r.put("bytes", s.manifest().bytes());
            r.put("seconds", s.seconds());
            if (json) Json.print(r);
            else System.out.printf(Locale.ROOT, "wrote %s: %.4f payload bits/weight (%.4f +scales, %.4f +basis), %d bytes, %.1f s%n",
                    out, s.manifest().bitsPayload(), s.manifest().bitsWithScales(), s.manifest().bitsWithBasis(), s.manifest().bytes(), s.seconds());
        }
    }
}
