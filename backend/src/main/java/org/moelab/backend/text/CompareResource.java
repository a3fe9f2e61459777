package org.moelab.backend.text;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.moelab.backend.api.ApiException;
import org.moelab.backend.api.Check;
import org.moelab.backend.models.ModelRegistry;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Two models on the same text: the log-probability each gives every token, side by side. */
@Path("/v1/compare")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "generation")
public class CompareResource {

    @Inject
    ModelRegistry registry;

    /**
     * @param reference the reference model (default: the default model)
     * @param candidate the model compared with it (required), e.g. a quantized artifact
     * @param prompt    the text both models score (at least two tokens)
     */
    public record CompareRequest(String reference, String candidate, String prompt) {
    }

    /** Token i: log p(token_i | tokens before it) under each model; delta = candidate − reference. */
    public record TokenRow(int index, int token, String text, double reference, double candidate, double delta) {
    }

    /**
     * @param meanNll          per model, over the scored tokens (all but the first)
     * @param meanAbsDelta     mean |delta|
     * @param worstTokenIndex  where the candidate loses the most log-probability
     */
    public record Summary(int scoredTokens, double referenceMeanNll, double candidateMeanNll, double referencePpl, double candidatePpl,
                          double meanAbsDelta, int worstTokenIndex, double worstDelta) {
    }

    public record CompareResponse(String reference, String candidate, int[] tokens, List<TokenRow> rows, Summary summary) {
    }

    @POST
    @Operation(summary = "Per-token log-probabilities of two models on the same prompt")
    public CompareResponse compare(CompareRequest body) {
        Check.body(body);
        String candidate = Check.text("candidate", body.candidate());
        String reference = body.reference() != null ? Check.text("reference", body.reference()) : registry.defaultId();
        if (reference == null) throw ApiException.invalid("reference", "field 'reference' is required (no default model)");
        String prompt = Check.text("prompt", body.prompt());
        try (ModelRegistry.Lease ref = registry.lease(reference); ModelRegistry.Lease cand = registry.lease(candidate)) {
            int[] ids = ref.tokenizer().encode(prompt);
            if (ids.length < 2) throw ApiException.invalid("prompt", "field 'prompt' must have at least two tokens to score");
            if (!Arrays.equals(ids, cand.tokenizer().encode(prompt))
                    || ref.loaded().model().config().vocabSize() != cand.loaded().model().config().vocabSize()) {
                throw ApiException.unprocessable("tokenizer_mismatch", "models " + reference + " and " + candidate
                        + " tokenize the prompt differently (or differ in vocabulary); per-token comparison needs the same tokens", null);
            }
            double[] a = TextEngine.score(ref.transformer(), ids);
            double[] b = TextEngine.score(cand.transformer(), ids);
            List<TokenRow> rows = new ArrayList<>();
            double nllA = 0, nllB = 0, abs = 0, worst = Double.POSITIVE_INFINITY;
            int worstAt = 1;
            for (int i = 1; i < ids.length; i++) {
                double d = b[i] - a[i];
                rows.add(new TokenRow(i, ids[i], GenerateResource.piece(ref.tokenizer(), ids[i]), a[i], b[i], d));
                nllA -= a[i];
                nllB -= b[i];
                abs += Math.abs(d);
                if (d < worst) {
                    worst = d;
                    worstAt = i;
                }
            }
            int n = ids.length - 1;
            return new CompareResponse(reference, candidate, ids, rows, new Summary(n, nllA / n, nllB / n, Math.exp(nllA / n),
                    Math.exp(nllB / n), abs / n, worstAt, worst));
        }
    }
}
