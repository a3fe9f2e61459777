package org.moelab.bitsmoe;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.moelab.bitsmoe.calibration.LayerStatistics;
import org.moelab.bitsmoe.cost.CostModel;
import org.moelab.bitsmoe.decomposition.LayerDecomposition;
import org.moelab.bitsmoe.decomposition.ProjectionFactors;
import org.moelab.checkpoint.ArtifactDirectory;
import org.moelab.checkpoint.Checkpoint;
import org.moelab.checkpoint.CheckpointWriter;
import org.moelab.tensor.DType;
import org.moelab.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The resumable work of one quantization run, kept beside the output as {@code .<out>.partial/}: per-layer
 * decompositions, the calibration statistics and per-layer costs, each written atomically as soon as it
 * is done, plus {@code run.json} naming the options, source model and calibration hashes. A resumed run
 * picks up from the first unfinished layer; a run with different options, model or calibration is refused.
 * Stored in safetensors (F32 factors, F64 statistics and costs) so a resumed run is bit-identical.
 */
public final class RunCheckpoint {

    /** What must match for a resume: every option, the source weights and the calibration token ids. */
    public record Identity(String options, String sourceSha256, String calibrationSha256) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Path dir;

    private RunCheckpoint(Path dir) {
        this.dir = dir;
    }

    public static Path directoryFor(Path out) {
        Path abs = out.toAbsolutePath().normalize();
        return abs.resolveSibling("." + abs.getFileName() + ".partial");
    }

    /**
     * Opens the work directory of {@code out}. With {@code resume}, an existing one must have the same
     * identity (else an error says what differs); without, any existing one is discarded.
     */
    public static RunCheckpoint open(Path out, Identity id, boolean resume) {
        Path dir = directoryFor(out);
        try {
            Path runFile = dir.resolve("run.json");
            if (resume) {
                if (!Files.isRegularFile(runFile)) {
                    throw new IllegalArgumentException("--resume: no interrupted run for " + out + " (looked for " + runFile + ")");
                }
                Identity old = JSON.readValue(runFile.toFile(), Identity.class);
                if (!old.sourceSha256().equals(id.sourceSha256())) {
                    throw new IllegalArgumentException("--resume refused: the interrupted run quantized a different model (source SHA-256 "
                            + old.sourceSha256() + ", now " + id.sourceSha256() + ")");
                }
                if (!old.calibrationSha256().equals(id.calibrationSha256())) {
                    throw new IllegalArgumentException("--resume refused: the interrupted run used different calibration data (SHA-256 "
                            + old.calibrationSha256() + ", now " + id.calibrationSha256() + ")");
                }
                if (!old.options().equals(id.options())) {
                    throw new IllegalArgumentException("--resume refused: the interrupted run had other options:\n  was " + old.options()
                            + "\n  now " + id.options());
                }
            } else {
                ArtifactDirectory.deleteTree(dir);
            }
            Files.createDirectories(dir);
            CheckpointWriter.writeText(runFile, JSON.writeValueAsString(id));
            return new RunCheckpoint(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the work directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * A work directory in {@code java.io.tmpdir} for a plan that writes no artifact (quantize --dry-run, allocate):
     * layers stream through it as in a real run, so the heap holds one layer's factors, not every layer's (on the
     * Qwen3-30B-A3B shape, 2.4 GB per layer at r = H). {@link #finish()} removes it; it needs the disk a real run's
     * work directory needs. It has no run identity: nothing resumes from it.
     */
    public static RunCheckpoint temporary() {
        try {
            return new RunCheckpoint(Files.createTempDirectory("moelab-plan-"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare a temporary work directory in java.io.tmpdir ("
                    + System.getProperty("java.io.tmpdir") + "): " + e.getMessage(), e);
        }
    }

    public Path directory() {
        return dir;
    }

    /** The run is complete: its work files go. */
    public void finish() {
        try {
            ArtifactDirectory.deleteTree(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the work directory " + dir + ": " + e.getMessage(), e);
        }
    }

    public Optional<LayerDecomposition> decomposition(int layer) {
        Path f = dir.resolve("layer-" + layer + ".decomposition.safetensors");
        if (!Files.isRegularFile(f)) return Optional.empty();
        try (Checkpoint cp = Checkpoint.openFiles(List.of(f))) {
            ProjectionFactors[] p = new ProjectionFactors[3];
            String[] names = {"gate", "up", "down"};
            for (int i = 0; i < 3; i++) {
                String n = names[i] + ".";
                Tensor units = cp.get(n + "units");
                int e = (int) units.dim(0), r = (int) units.dim(1), inter = (int) units.dim(2);
                Tensor basis = cp.get(n + "basis");
                p[i] = new ProjectionFactors(layer, names[i], e, r, (int) basis.dim(1), inter, doubles(cp.get(n + "eigenvalues")),
                        basis.toFloatArray(), cp.get(n + "scales").toFloatArray(), units.toFloatArray());
            }
            return Optional.of(new LayerDecomposition(layer, p[0], p[1], p[2]));
        }
    }

    /** Streamed to disk tensor by tensor: the (E, r, I) units are never copied on the heap. */
    public void save(LayerDecomposition d) {
        try (CheckpointWriter w = CheckpointWriter.streaming(dir)) {
            for (ProjectionFactors f : d.projections()) {
                String n = f.projection() + ".";
                w.addDoubles(n + "eigenvalues", f.eigenvalues(), f.eigenvalues().length);
                w.addFloats(n + "basis", f.basis(), f.rank(), f.hidden());
                w.addFloats(n + "scales", f.scales(), f.experts(), f.rank());
                w.addFloats(n + "units", f.units(), f.experts(), f.rank(), f.intermediate());
            }
            w.write(dir.resolve("layer-" + d.layer() + ".decomposition.safetensors"));
        }
    }

    /** Whether layer {@code layer}'s decomposition is saved here. */
    public boolean hasDecomposition(int layer) {
        return Files.isRegularFile(dir.resolve("layer-" + layer + ".decomposition.safetensors"));
    }

    /** Layer {@code layer}'s saved decomposition, or an error saying it is missing (the run's files were removed?). */
    public LayerDecomposition requireDecomposition(int layer) {
        return decomposition(layer).orElseThrow(() -> new IllegalStateException("layer " + layer + ": decomposition missing from "
                + dir + " (was the work directory removed while the run was going on?)"));
    }

    /**
     * The saved decompositions of {@code layers} as a list that reads layer i from disk on each {@code get(i)} and
     * keeps nothing: the heap holds a layer's fp32 factors only while a caller holds that element.
     */
    public List<LayerDecomposition> decompositions(List<Integer> layers) {
        List<Integer> ids = List.copyOf(layers);
        return new java.util.AbstractList<>() {
            @Override
            public LayerDecomposition get(int i) {
                return requireDecomposition(ids.get(i));
            }

            @Override
            public int size() {
                return ids.size();
            }
        };
    }

    public Optional<Map<Integer, LayerStatistics>> statistics() {
        Path f = dir.resolve("statistics.safetensors");
        if (!Files.isRegularFile(f)) return Optional.empty();
        Map<Integer, LayerStatistics> out = new TreeMap<>();
        try (Checkpoint cp = Checkpoint.openFiles(List.of(f))) {
            for (String layerText : cp.metadata().get("layers").split(",")) {
                int l = Integer.parseInt(layerText);
                String n = "layer." + l + ".";
                Tensor gate = cp.get(n + "gate_energy");
                Tensor down = cp.get(n + "down_diag");
                double[] tok = doubles(cp.get(n + "tokens"));
                long[] tokens = new long[tok.length];
                for (int i = 0; i < tok.length; i++) tokens[i] = (long) tok[i];
                out.put(l, new LayerStatistics(l, (int) gate.dim(0), (int) gate.dim(1), (int) down.dim(1), tokens,
                        doubles(cp.get(n + "g_sum")), doubles(gate), doubles(cp.get(n + "up_energy")), doubles(down)));
            }
        }
        return Optional.of(out);
    }

    public void save(Map<Integer, LayerStatistics> stats) {
        CheckpointWriter w = new CheckpointWriter();
        List<String> layers = new ArrayList<>();
        stats.forEach((l, s) -> {
            layers.add(String.valueOf(l));
            String n = "layer." + l + ".";
            double[] tok = new double[s.tokens().length];
            for (int i = 0; i < tok.length; i++) tok[i] = s.tokens()[i];
            w.add(n + "tokens", DType.F64, new long[] {tok.length}, bytes(tok));
            w.add(n + "g_sum", DType.F64, new long[] {s.experts()}, bytes(s.gSum()));
            w.add(n + "gate_energy", DType.F64, new long[] {s.experts(), s.rank()}, bytes(s.gateEnergy()));
            w.add(n + "up_energy", DType.F64, new long[] {s.experts(), s.rank()}, bytes(s.upEnergy()));
            w.add(n + "down_diag", DType.F64, new long[] {s.experts(), s.intermediate()}, bytes(s.downDiag()));
        });
        w.metadata("layers", String.join(",", layers));
        w.write(dir.resolve("statistics.safetensors"));
    }

    public Optional<List<CostModel.ProjectionCosts>> costs(int layer, int[] candidates) {
        Path f = dir.resolve("layer-" + layer + ".costs.safetensors");
        if (!Files.isRegularFile(f)) return Optional.empty();
        List<CostModel.ProjectionCosts> out = new ArrayList<>();
        try (Checkpoint cp = Checkpoint.openFiles(List.of(f))) {
            for (String p : List.of("gate", "up", "down")) {
                Tensor c = cp.get(p);
                out.add(new CostModel.ProjectionCosts(layer, p, (int) c.dim(0), (int) c.dim(1), candidates.clone(), doubles(c)));
            }
        }
        return Optional.of(out);
    }

    public void saveCosts(int layer, List<CostModel.ProjectionCosts> costs) {
        CheckpointWriter w = new CheckpointWriter();
        for (CostModel.ProjectionCosts c : costs) {
            w.add(c.projection(), DType.F64, new long[] {c.experts(), c.rank(), c.candidates().length}, bytes(c.costs()));
        }
        w.write(dir.resolve("layer-" + layer + ".costs.safetensors"));
    }

    private static byte[] bytes(double[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : v) b.putDouble(x);
        return b.array();
    }

    private static double[] doubles(Tensor t) {
        if (t.dtype() != DType.F64) throw new IllegalStateException(t.name() + " is " + t.dtype() + ", expected F64");
        return t.data().toArray(ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN));
    }
}
