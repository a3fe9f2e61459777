package org.moelab.baselines;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.moelab.bitsmoe.calibration.CalibrationSet;
import org.moelab.checkpoint.ArtifactDirectory;
import org.moelab.checkpoint.Checkpoint;
import org.moelab.checkpoint.CheckpointWriter;
import org.moelab.model.ExpertWeights;
import org.moelab.model.MoeModel;
import org.moelab.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * RTN, GPTQ and router-norm results on disk as an ordinary Hugging Face checkpoint: the source tensors
 * untouched and each quantized expert matrix stored as its <em>dequantized</em> fp32 values (exact, so the
 * saved model reproduces the in-memory one bit for bit), plus {@code moelab.json} saying what was done.
 * This is a simulation format for evaluation — it is larger than the source, not smaller; the bit counts in
 * the manifest are what a packed layout would store.
 */
public final class DequantizedArtifact {

    public static final String FORMAT = "moelab.dequantized/1";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * @param bitsPayload    realised average bits per routed-expert weight, codes only
     * @param bitsWithScales with the fp16 scale and zero point per group
     */
    public record Manifest(String format, String method, double bits, double bitsPayload, double bitsWithScales, int groupSize,
                           String sourceModel, String calibrationName, String calibrationSha256, String note, String createdBy) {
    }

    private DequantizedArtifact() {
    }

    public static boolean isDequantized(Path dir) {
        return FORMAT.equals(ArtifactDirectory.manifestFormat(dir));
    }

    public static Manifest readManifest(Path dir) throws IOException {
        return JSON.readValue(dir.resolve(ArtifactDirectory.MANIFEST).toFile(), Manifest.class);
    }

    /**
     * @param experts per layer (null: untouched) and expert, as RTN/GPTQ/router-norm return them
     */
    public static Manifest write(Path out, MoeModel source, List<List<DequantizedExperts.Expert>> experts, String method, double bits,
                                 double bitsPayload, int groupSize, CalibrationSet calibration) {
        return write(out, source, experts, method, bits, bitsPayload, bitsPayload + 32.0 / groupSize, groupSize, calibration);
    }

    /** As above with the with-scales figure given (methods whose side information is not one fp16 scale + zero per group). */
    public static Manifest write(Path out, MoeModel source, List<List<DequantizedExperts.Expert>> experts, String method, double bits,
                                 double bitsPayload, double bitsWithScales, int groupSize, CalibrationSet calibration) {
        return write(out, source, experts, java.util.Map.of(), method, bits, bitsPayload, bitsWithScales, groupSize, calibration, null);
    }

    /**
     * As above, also replacing other tensors by name (e.g. attention under RTN's attention option), stored fp32.
     *
     * @param note extra words for the manifest's note (null: none)
     */
    public static Manifest write(Path out, MoeModel source, List<List<DequantizedExperts.Expert>> experts,
                                 java.util.Map<String, Tensor> replaced, String method, double bits, double bitsPayload,
                                 double bitsWithScales, int groupSize, CalibrationSet calibration, String note) {
        Set<Integer> layers = new HashSet<>();
        for (int l = 0; l < experts.size(); l++) if (experts.get(l) != null) layers.add(l);
        CheckpointWriter w = new CheckpointWriter();
        Set<String> skip = new HashSet<>(ArtifactDirectory.expertTensorNames(source, layers));
        skip.addAll(replaced.keySet());
        ArtifactDirectory.copyTensorsExcept(w, source.checkpoint(), skip);
        replaced.forEach((name, t) -> w.addFloats(name, t.toFloatArray(), t.shape()));
        for (int l : layers) {
            List<ExpertWeights> src = source.layers().get(l).moe().experts();
            for (int e = 0; e < src.size(); e++) {
                DequantizedExperts.Expert d = experts.get(l).get(e);
                add(w, src.get(e).gate(), d.gate());
                add(w, src.get(e).up(), d.up());
                add(w, src.get(e).down(), d.down());
            }
        }
        Manifest m = new Manifest(FORMAT, method, bits, bitsPayload, bitsWithScales, groupSize,
                source.source().toString(), calibration == null ? null : calibration.name(),
                calibration == null ? null : calibration.sha256(),
                "expert weights stored dequantized in fp32 for evaluation; a packed layout would store the bits above"
                        + (note == null ? "" : "; " + note), "moelab");
        w.metadata("format", FORMAT).metadata("method", method).metadata("bits", String.valueOf(bits));
        ArtifactDirectory.write(out, tmp -> {
            ArtifactDirectory.copyModelFiles(source.source(), tmp);
            w.write(tmp.resolve(Checkpoint.SINGLE_FILE));
            CheckpointWriter.writeText(tmp.resolve(ArtifactDirectory.MANIFEST), JSON.writeValueAsString(m));
        });
        return m;
    }

    private static void add(CheckpointWriter w, Tensor src, float[] values) {
        if (src.name().contains("[")) {
            throw new IllegalArgumentException("saving dequantized experts of a fused-expert checkpoint (" + src.name()
                    + ") is not supported; evaluate it in memory with ./moelab compare");
        }
        w.addFloats(src.name(), values, src.shape());
    }
}
