package org.moelab.mobie.artifact;

import java.util.List;
import java.util.Map;

/**
 * {@code moelab.json} of a MoBiE artifact. Bits are per routed-expert weight, in both conventions (mobie.md §1):
 * never read {@code bitsPaper} alone.
 *
 * @param format            {@link MobieArtifact#FORMAT}
 * @param components        "base" or e.g. "+CEJD+GLAS+NGES"
 * @param options           every option of the run (JSON object)
 * @param block             binarization block width (input columns)
 * @param backboneBits      CEJD backbone code width (per-row symmetric, fp16 row scales)
 * @param sides             CEJD backbone side (OUTPUT or INPUT) of gate, up, down; null without CEJD
 * @param bitsPaper         the papers' convention: sign planes only (≈1.1)
 * @param bitsWithBitmaps   … plus group/salient bitmaps and fp16 α/μ
 * @param bitsHonest        … plus the CEJD backbones: everything stored
 * @param bytes             size of {@code model.safetensors}
 * @param layers            the MoE layers stored binarized
 * @param payloadSha256     SHA-256 of {@code model.safetensors}, checked on load
 */
public record MobieManifest(String format, String method, String components, Map<String, Object> options, int block,
                            int backboneBits, List<String> sides, double bitsPaper, double bitsWithBitmaps, double bitsHonest,
                            long bytes, List<Integer> layers, String sourceModel, String sourceSha256, String calibrationName,
                            String calibrationSha256, String payloadSha256, String createdBy) {
}
