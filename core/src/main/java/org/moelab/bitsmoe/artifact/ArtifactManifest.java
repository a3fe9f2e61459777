package org.moelab.bitsmoe.artifact;

import java.util.List;
import java.util.Map;

/**
 * {@code moelab.json} of a quantized artifact: what was done, with what, to which model. The same
 * facts travel as strings in the safetensors {@code __metadata__} so any safetensors reader sees them.
 *
 * @param format            {@link BitsMoeArtifact#FORMAT}
 * @param options           every option of the run (JSON object)
 * @param budgetBits        requested b̄ in {@code mode}
 * @param bitsPayload       realised average bits per routed-expert weight, payload only
 * @param bitsWithScales    … with group scales and component scalars
 * @param bitsWithBasis     … with the shared bases as well
 * @param layers            the MoE layers stored factorized
 * @param sourceSha256      SHA-256 of the source model's weight files (sorted by name)
 * @param calibrationSha256 {@code CalibrationSet#sha256} of the token ids used
 * @param payloadSha256     SHA-256 of {@code model.safetensors}; checked on load to catch tampering
 */
public record ArtifactManifest(String format, String method, Map<String, Object> options, double budgetBits, String mode,
                               double bitsPayload, double bitsWithScales, double bitsWithBasis, long bytes, int groupSize,
                               int rank, String basisDtype, List<Integer> layers, String sourceModel, String sourceSha256,
                               String calibrationName, String calibrationSha256, String payloadSha256, String solver,
                               Double gap, double predictedCost, String createdBy) {
}
