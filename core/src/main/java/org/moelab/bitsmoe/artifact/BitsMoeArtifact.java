package org.moelab.bitsmoe.artifact;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.moelab.Progress;
import org.moelab.bitsmoe.BitsMoe;
import org.moelab.bitsmoe.BitsMoeOptions;
import org.moelab.bitsmoe.QuantizedLayer;
import org.moelab.bitsmoe.allocation.AllocationPlan;
import org.moelab.bitsmoe.calibration.CalibrationSet;
import org.moelab.checkpoint.ArtifactDirectory;
import org.moelab.checkpoint.Checkpoint;
import org.moelab.checkpoint.CheckpointException;
import org.moelab.checkpoint.CheckpointException.Problem;
import org.moelab.checkpoint.CheckpointWriter;
import org.moelab.model.ModelLoader;
import org.moelab.model.MoeModel;
import org.moelab.runtime.MoeLayer;
import org.moelab.runtime.Transformer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * A BitsMoE-quantized model on disk: a directory any safetensors reader can open.
 * <pre>
 *   config.json, tokenizer files      copied from the source model
 *   model.safetensors                 every source tensor except the quantized layers' routed experts, plus per
 *                                     quantized layer l and projection p ∈ {gate, up, down}, prefix bitsmoe.layers.l.p.:
 *       basis        (r, H)  BF16|F32  shared directions (row k = v_k, or u_k for down)
 *                    (r, H)  U8        … or, with --basis int8, their int8 codes c = q + 128
 *       basis.scales (r, ⌈H/128⌉) F16  int8 bases only: one absmax scale per 128 elements of a row
 *       s            (E, r)  F16       component scalars s_{e,k} (0 where dropped)
 *       bits         (E, r)  U8        width of each component (0 = dropped, stored as nothing)
 *       q{b}         (bytes) U8        packed payloads of the width-b components, in (e, k) order
 *       q{b}.scales  (n)     F16       their fp16 group scales (b ≤ 8)
 *   moelab.json                       {@link ArtifactManifest}, written last
 * </pre>
 * Written into a temporary sibling directory and renamed into place, so a crash leaves either the old
 * artifact or the new one, never half of one. Loading checks the format, the payload hash and every
 * table's size, and fails naming what is wrong.
 */
public final class BitsMoeArtifact {

    public static final String FORMAT = "moelab.bitsmoe/1";
    public static final String MANIFEST = ArtifactDirectory.MANIFEST;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private BitsMoeArtifact() {
    }

    /**
     * A model ready to run: a plain checkpoint ({@code blocks} and {@code manifest} null) or an artifact (routed
     * experts absent where factorized, runtime blocks in their place).
     */
    public record Loaded(MoeModel model, List<MoeLayer> blocks, ArtifactManifest manifest) implements AutoCloseable {

        public static Loaded plain(MoeModel model) {
            return new Loaded(model, null, null);
        }

        public boolean quantized() {
            return manifest != null;
        }

        public Transformer transformer() {
            return new Transformer(model, blocks);
        }

        @Override
        public void close() {
            model.close();
        }
    }

    /** SHA-256 of a model's weight files (sorted by name): the provenance recorded in artifacts and resumable runs. */
    public static String sourceSha256(MoeModel model) {
        return Sha256.of(model.checkpoint().files());
    }

    /** Whether {@code dir} holds a BitsMoE artifact (a {@code moelab.json} of this format). */
    public static boolean isArtifact(Path dir) {
        String format = ArtifactDirectory.manifestFormat(dir);
        return format == null || FORMAT.equals(format); // unreadable: let load() report exactly what is wrong
    }

    /** Writes the artifact to {@code out} atomically; refuses to replace a directory that is not an artifact. */
    public static ArtifactManifest write(Path out, MoeModel source, BitsMoeOptions options, List<QuantizedLayer> layers,
                                         AllocationPlan plan, CalibrationSet calibration, Progress progress) {
        return write(out, source, options, layers.stream().map(QuantizedLayer::layer).toList(),
                layers.isEmpty() ? 0 : layers.getFirst().rank(), layers::get, plan, calibration, progress);
    }

    /**
     * As {@link #write(Path, MoeModel, BitsMoeOptions, List, AllocationPlan, CalibrationSet, Progress)}, with the
     * quantized layers produced one at a time: {@code layer.apply(i)} is called once per i, in order, and its tensors
     * go to disk before the next is asked for, so only one packed layer is on the heap at a time. The source's other
     * tensors are copied from its mapping when the file is assembled, never through heap arrays. Same bytes.
     *
     * @param layerIds the quantized layers' indices, in the order {@code layer} produces them
     * @param rank     r of every quantized layer
     */
    public static ArtifactManifest write(Path out, MoeModel source, BitsMoeOptions options, List<Integer> layerIds, int rank,
                                         IntFunction<QuantizedLayer> layer, AllocationPlan plan, CalibrationSet calibration,
                                         Progress progress) {
        String sourceSha = Sha256.of(source.checkpoint().files());
        ArtifactManifest[] written = new ArtifactManifest[1];
        ArtifactDirectory.write(out, tmp -> {
            ArtifactDirectory.copyModelFiles(source.source(), tmp);
            Path weights = tmp.resolve(Checkpoint.SINGLE_FILE);
            long bytes;
            try (CheckpointWriter w = CheckpointWriter.streaming(tmp)) {
                ArtifactDirectory.copyTensorsExcept(w, source.checkpoint(), ArtifactDirectory.expertTensorNames(source, Set.copyOf(layerIds)));
                progress.update("write", 1, 3);
                for (int i = 0; i < layerIds.size(); i++) {
                    QuantizedLayer l = layer.apply(i);
                    if (l.layer() != layerIds.get(i) || l.rank() != rank) {
                        throw new IllegalStateException("layer source gave layer " + l.layer() + " (r " + l.rank() + ") where layer "
                                + layerIds.get(i) + " (r " + rank + ") was announced");
                    }
                    ArtifactTensors.add(w, l);
                }
                metadata(w, manifest(source, options, layerIds, rank, plan, calibration, sourceSha, null, 0));
                bytes = w.write(weights);
            }
            progress.update("write", 2, 3);
            written[0] = manifest(source, options, layerIds, rank, plan, calibration, sourceSha, Sha256.of(List.of(weights)), bytes);
            CheckpointWriter.writeText(tmp.resolve(MANIFEST), JSON.writeValueAsString(written[0]));
        });
        progress.update("write", 3, 3);
        return written[0];
    }

    /** Loads an artifact written by {@link #write}; outputs are bit-identical to the in-memory quantized model. */
    public static Loaded load(Path dir) {
        ArtifactManifest m = readManifest(dir);
        Path weights = dir.resolve(Checkpoint.SINGLE_FILE);
        String sha = Sha256.of(List.of(weights));
        if (!sha.equals(m.payloadSha256())) {
            throw new CheckpointException(Problem.BAD_ARTIFACT, weights, null, "SHA-256 " + sha + " does not match "
                    + MANIFEST + " (" + m.payloadSha256() + "): the file was modified or damaged after it was written");
        }
        Set<Integer> quantized = new HashSet<>(m.layers());
        MoeModel model = ModelLoader.load(dir, l -> !quantized.contains(l));
        try {
            List<QuantizedLayer> layers = new ArrayList<>();
            for (int l : m.layers()) layers.add(ArtifactTensors.read(model, l, m.groupSize()));
            return new Loaded(model, BitsMoe.blocks(model, layers), m);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** The quantized layers of a loaded artifact, read again from its tensors (bases, packed factors) as saved. */
    public static List<QuantizedLayer> quantizedLayers(Loaded a) {
        if (!a.quantized()) throw new IllegalArgumentException(a.model().source() + " is not a BitsMoE artifact");
        List<QuantizedLayer> out = new ArrayList<>();
        for (int l : a.manifest().layers()) out.add(ArtifactTensors.read(a.model(), l, a.manifest().groupSize()));
        return out;
    }

    public static ArtifactManifest readManifest(Path dir) {
        Path f = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(f)) {
            throw new CheckpointException(Problem.BAD_ARTIFACT, f, null, "not a moelab artifact (no " + MANIFEST + ")");
        }
        ArtifactManifest m;
        try {
            m = JSON.readValue(f.toFile(), ArtifactManifest.class);
        } catch (IOException e) {
            throw new CheckpointException(Problem.BAD_ARTIFACT, f, null, "unreadable manifest: " + e.getMessage(), e);
        }
        if (!FORMAT.equals(m.format())) {
            throw new CheckpointException(Problem.BAD_ARTIFACT, f, null, "format '" + m.format() + "' is not " + FORMAT);
        }
        if (m.layers() == null || m.payloadSha256() == null) {
            throw new CheckpointException(Problem.BAD_ARTIFACT, f, null, "manifest lacks layers or payloadSha256");
        }
        return m;
    }

    private static ArtifactManifest manifest(MoeModel source, BitsMoeOptions o, List<Integer> layers, int rank, AllocationPlan plan,
                                             CalibrationSet cal, String sourceSha, String payloadSha, long bytes) {
        Map<String, Object> options = JSON.convertValue(o, new TypeReference<>() { });
        return new ArtifactManifest(FORMAT, "bitsmoe", options, plan.budgetAverageBits(), plan.mode().name(),
                plan.averageBits().payload(), plan.averageBits().plusScales(), plan.averageBits().plusBasis(), bytes,
                o.groupSize(), rank, o.basis().name(), List.copyOf(layers), source.source().toString(), sourceSha,
                cal == null ? null : cal.name(), cal == null ? null : cal.sha256(), payloadSha, plan.solver().name(),
                plan.gap(), plan.predictedCost(), "moelab");
    }

    private static void metadata(CheckpointWriter w, ArtifactManifest m) {
        Map<String, Object> all = JSON.convertValue(m, new TypeReference<>() { });
        all.forEach((k, v) -> {
            if (v == null) return;
            try {
                w.metadata(k, v instanceof String s ? s : JSON.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(v));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
