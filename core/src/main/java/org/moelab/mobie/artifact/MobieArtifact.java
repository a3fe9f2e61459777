package org.moelab.mobie.artifact;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.moelab.bitsmoe.artifact.ArtifactManifest;
import org.moelab.bitsmoe.artifact.BitsMoeArtifact;
import org.moelab.bitsmoe.calibration.CalibrationSet;
import org.moelab.checkpoint.ArtifactDirectory;
import org.moelab.checkpoint.Checkpoint;
import org.moelab.checkpoint.CheckpointException;
import org.moelab.checkpoint.CheckpointException.Problem;
import org.moelab.checkpoint.CheckpointWriter;
import org.moelab.mobie.BinaryExpert;
import org.moelab.mobie.Cejd;
import org.moelab.mobie.Mobie;
import org.moelab.model.LayerWeights;
import org.moelab.model.ModelLoader;
import org.moelab.model.MoeModel;
import org.moelab.runtime.ExpertFfn;
import org.moelab.runtime.MoeBlock;
import org.moelab.runtime.MoeLayer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A MoBiE-quantized model on disk, packed (mobie.md §1–2): a directory any safetensors reader can open.
 * <pre>
 *   config.json, tokenizer files   copied from the source model
 *   model.safetensors              every source tensor except the binarized layers' routed experts, plus per
 *                                  binarized layer l and projection p ∈ {gate (I, H), up (I, H), down (H, I)},
 *                                  (rows, cols) = p's factor shape, words = ⌈block/64⌉, prefix mobie.layers.l.p.:
 *       salient          (E, blocks, 8·words)        U8   salient-column bitmap (bit j: byte j/8, bit j%8)
 *       signs            (E, rows, blocks, 8·words)  U8   sign plane 1 (1 = +1)
 *       groups           (E, rows, blocks, 8·words)  U8   salient column: plane 2; else 1 = sparse group
 *       params           (E, rows, blocks, 8)        F16  α1 μ1 α2 μ2 αc μc αs μs per row and block
 *       backbone         (k, k)                      U8   CEJD backbone codes, int8 two's complement (CEJD only)
 *       backbone.scales  (k)                         F16  its per-row scales
 *   moelab.json                    {@link MobieManifest}, written last
 * </pre>
 * The bit planes are exactly what the honest bit count measures (see {@link org.moelab.mobie.PackedStorage}).
 * Written into a temporary sibling directory and renamed into place; loading checks the format, the payload's
 * SHA-256 and every table's shape, and fails naming what is wrong. The loaded model runs the packed binary
 * experts ({@link BinaryExpert}) and computes exactly what {@link Mobie.Result#packedLayers} computes.
 */
public final class MobieArtifact {

    public static final String FORMAT = "moelab.mobie/1";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private MobieArtifact() {
    }

    /** Whether {@code dir} holds a MoBiE artifact (a {@code moelab.json} of this format). */
    public static boolean isArtifact(Path dir) {
        return FORMAT.equals(ArtifactDirectory.manifestFormat(dir));
    }

    /** Writes the artifact to {@code out} atomically; refuses to replace a directory that is not a moelab output. */
    public static MobieManifest write(Path out, MoeModel source, Mobie.Result r, Mobie.Options o, CalibrationSet cal) {
        if (o.cejd() && o.backboneBits() > 8) throw new IllegalArgumentException("the artifact stores backbones of at most 8 bits, not " + o.backboneBits());
        Set<Integer> layers = new HashSet<>();
        List<Integer> order = new ArrayList<>();
        for (int l = 0; l < r.binary().size(); l++) {
            if (r.binary().get(l) != null) {
                layers.add(l);
                order.add(l);
            }
        }
        CheckpointWriter w = new CheckpointWriter();
        ArtifactDirectory.copyTensorsExcept(w, source.checkpoint(), ArtifactDirectory.expertTensorNames(source, layers));
        for (int l : order) MobieTensors.add(w, l, r.binary().get(l));
        String sourceSha = BitsMoeArtifact.sourceSha256(source);
        List<String> sides = sides(r, order);
        MobieManifest draft = manifest(source, r, o, cal, order, sides, sourceSha, null, 0);
        Map<String, Object> meta = JSON.convertValue(draft, new TypeReference<>() { });
        meta.forEach((k, v) -> {
            if (v != null) w.metadata(k, v instanceof String s ? s : compact(v));
        });
        MobieManifest[] written = new MobieManifest[1];
        ArtifactDirectory.write(out, tmp -> {
            ArtifactDirectory.copyModelFiles(source.source(), tmp);
            Path weights = tmp.resolve(Checkpoint.SINGLE_FILE);
            long bytes = w.write(weights);
            written[0] = manifest(source, r, o, cal, order, sides, sourceSha, FileSha256.of(weights), bytes);
            CheckpointWriter.writeText(tmp.resolve(ArtifactDirectory.MANIFEST), JSON.writeValueAsString(written[0]));
        });
        return written[0];
    }

    /** Loads an artifact written by {@link #write}, ready to run (same interface as a BitsMoE artifact). */
    public static BitsMoeArtifact.Loaded load(Path dir) {
        MobieManifest m = readManifest(dir);
        Path weights = dir.resolve(Checkpoint.SINGLE_FILE);
        if (!Files.isRegularFile(weights)) {
            throw new CheckpointException(Problem.BAD_ARTIFACT, weights, null, "missing: the artifact has no " + Checkpoint.SINGLE_FILE);
        }
        String sha = FileSha256.of(weights);
        if (!sha.equals(m.payloadSha256())) {
            throw new CheckpointException(Problem.BAD_ARTIFACT, weights, null, "SHA-256 " + sha + " does not match "
                    + ArtifactDirectory.MANIFEST + " (" + m.payloadSha256() + "): the file was modified or damaged after it was written");
        }
        Set<Integer> binarized = new HashSet<>(m.layers());
        MoeModel model = ModelLoader.load(dir, l -> !binarized.contains(l));
        try {
            return new BitsMoeArtifact.Loaded(model, blocks(model, m), summary(m));
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    public static MobieManifest readManifest(Path dir) {
        Path f = dir.resolve(ArtifactDirectory.MANIFEST);
        if (!Files.isRegularFile(f)) {
            throw new CheckpointException(Problem.BAD_ARTIFACT, f, null, "not a moelab artifact (no " + ArtifactDirectory.MANIFEST + ")");
        }
        MobieManifest m;
        try {
            m = JSON.readValue(f.toFile(), MobieManifest.class);
        } catch (IOException e) {
            throw new CheckpointException(Problem.BAD_ARTIFACT, f, null, "unreadable manifest: " + e.getMessage(), e);
        }
        if (!FORMAT.equals(m.format())) throw new CheckpointException(Problem.BAD_ARTIFACT, f, null, "format '" + m.format() + "' is not " + FORMAT);
        if (m.layers() == null || m.payloadSha256() == null || m.block() < 1 || (m.sides() != null && m.sides().size() != 3)) {
            throw new CheckpointException(Problem.BAD_ARTIFACT, f, null, "manifest lacks layers, payloadSha256, block or three sides");
        }
        return m;
    }

    private static List<MoeLayer> blocks(MoeModel model, MobieManifest m) {
        int e = model.config().experts(), h = model.config().hidden(), inter = model.config().expertIntermediate();
        int[][] shapes = {{inter, h}, {inter, h}, {h, inter}};
        Cejd.Side[] sides = null;
        if (m.sides() != null) {
            sides = new Cejd.Side[3];
            for (int p = 0; p < 3; p++) sides[p] = Cejd.Side.valueOf(m.sides().get(p));
        }
        List<MoeLayer> out = new ArrayList<>();
        for (int l = 0; l < model.config().layers(); l++) {
            LayerWeights lw = model.layers().get(l);
            if (!lw.isMoe()) {
                if (m.layers().contains(l)) throw new CheckpointException(Problem.BAD_ARTIFACT, model.source(), null, "layer " + l + " is not an MoE layer");
                out.add(null);
            } else if (m.layers().contains(l)) {
                List<BinaryExpert> experts = MobieTensors.read(model.checkpoint(), l, e, shapes, m.block(), sides, m.backboneBits());
                out.add(new MoeBlock(lw.moe(), new ArrayList<ExpertFfn>(experts)));
            } else {
                out.add(MoeBlock.dense(lw.moe()));
            }
        }
        return out;
    }

    /** CEJD's side per projection (the same in every layer: the shapes are), or null without CEJD. */
    private static List<String> sides(Mobie.Result r, List<Integer> layers) {
        if (layers.isEmpty()) return null;
        BinaryExpert.Projection[] first = r.binary().get(layers.getFirst()).getFirst().projections();
        if (first[0].side() == null) return null;
        List<String> s = new ArrayList<>();
        for (BinaryExpert.Projection p : first) s.add(p.side().name());
        for (int l : layers) {
            for (BinaryExpert x : r.binary().get(l)) {
                BinaryExpert.Projection[] p = x.projections();
                for (int i = 0; i < 3; i++) {
                    if (p[i].side() == null || !p[i].side().name().equals(s.get(i))) throw new IllegalArgumentException("layer " + l + ": CEJD sides differ between layers");
                }
            }
        }
        return s;
    }

    private static MobieManifest manifest(MoeModel source, Mobie.Result r, Mobie.Options o, CalibrationSet cal, List<Integer> layers,
                                          List<String> sides, String sourceSha, String payloadSha, long bytes) {
        Map<String, Object> options = JSON.convertValue(o, new TypeReference<>() { });
        Mobie.Bits b = r.bits();
        double withBitmaps = (double) (b.paperBits() + b.bitmapBits() + b.paramBits()) / b.weights();
        return new MobieManifest(FORMAT, "mobie", o.label(), options, o.binarizer().blockSize(), o.backboneBits(), sides,
                b.paper(), withBitmaps, b.honest(), bytes, layers, source.source().toString(), sourceSha,
                cal == null ? null : cal.name(), cal == null ? null : cal.sha256(), payloadSha, "moelab");
    }

    /** The manifest in the shape the run commands read (bits: payload = papers', +scales, +basis = honest). */
    private static ArtifactManifest summary(MobieManifest m) {
        return new ArtifactManifest(m.format(), "mobie " + m.components(), m.options(), m.bitsPaper(), "papers' convention",
                m.bitsPaper(), m.bitsWithBitmaps(), m.bitsHonest(), m.bytes(), m.block(), 0, m.sides() == null ? null : "I8",
                m.layers(), m.sourceModel(), m.sourceSha256(), m.calibrationName(), m.calibrationSha256(), m.payloadSha256(),
                null, null, 0, m.createdBy());
    }

    private static String compact(Object v) {
        try {
            return JSON.writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(v);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
