package org.moelab.backend.text;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
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
import org.moelab.backend.config.MoelabConfig;
import org.moelab.backend.models.ModelRegistry;
import org.moelab.runtime.SamplingOptions;
import org.moelab.tokenizer.MoeTokenizer;
import org.moelab.tokenizer.StreamingDecoder;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The OpenAI legacy completions API for any registered model, enough for lm-evaluation-harness's
 * {@code local-completions}: prompts as text or token ids (batched), {@code echo} with {@code logprobs}
 * (loglikelihood tasks), {@code stop} (generate_until tasks). Unknown request fields are ignored, as OpenAI does.
 */
@Path("/v1/completions")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "openai")
public class CompletionsResource {

    @Inject
    ModelRegistry registry;
    @Inject
    MoelabConfig config;

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record CompletionRequest(String model, JsonNode prompt, @JsonProperty("max_tokens") Integer maxTokens, Double temperature,
                                    @JsonProperty("top_p") Double topP, Boolean echo, Integer logprobs, JsonNode stop, Long seed,
                                    Integer n, Boolean stream) {
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Logprobs(List<String> tokens, @JsonProperty("token_logprobs") List<Double> tokenLogprobs,
                           @JsonProperty("top_logprobs") List<Map<String, Double>> topLogprobs,
                           @JsonProperty("text_offset") List<Integer> textOffset) {
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Choice(int index, String text, Logprobs logprobs, @JsonProperty("finish_reason") String finishReason) {
    }

    public record Usage(@JsonProperty("prompt_tokens") int promptTokens, @JsonProperty("completion_tokens") int completionTokens,
                        @JsonProperty("total_tokens") int totalTokens) {
    }

    public record CompletionResponse(String id, String object, long created, String model, List<Choice> choices, Usage usage) {
    }

    @POST
    @Operation(summary = "OpenAI-style text completion (prompt, max_tokens, temperature, top_p, echo, logprobs, stop, seed)")
    public CompletionResponse complete(CompletionRequest body) {
        Check.body(body);
        String model = body.model() != null ? Check.text("model", body.model()) : registry.defaultId();
        if (model == null) throw ApiException.invalid("model", "field 'model' is required (no default model)");
        if (body.stream() != null && body.stream()) {
            throw ApiException.invalid("stream", "stream is not supported here; use POST /v1/models/{id}/generate/stream");
        }
        if (body.n() != null && body.n() != 1) throw ApiException.invalid("n", "only n = 1 is supported");
        int maxNew = Check.range("max_tokens", body.maxTokens(), 16, 0, config.maxNewTokens());
        double temperature = Check.range("temperature", body.temperature(), 1.0, 0, 100);
        double topP = body.topP() == null ? 1.0 : body.topP();
        if (!(topP > 0 && topP <= 1)) throw ApiException.invalid("top_p", "field 'top_p' must be in (0, 1], got " + topP);
        Integer logprobs = body.logprobs();
        if (logprobs != null) Check.range("logprobs", logprobs, 0, 0, 20);
        boolean echo = body.echo() != null && body.echo();
        List<String> stops = stops(body.stop());
        SamplingOptions sampling = new SamplingOptions(temperature, topP, body.seed() == null ? 42 : body.seed());
        try (ModelRegistry.Lease lease = registry.lease(model)) {
            MoeTokenizer tok = lease.tokenizer();
            int vocab = lease.loaded().model().config().vocabSize();
            List<Prompt> prompts = prompts(body.prompt(), tok, vocab);
            List<Choice> choices = new ArrayList<>();
            int promptTokens = 0, completionTokens = 0;
            for (int i = 0; i < prompts.size(); i++) {
                Prompt p = prompts.get(i);
                TextEngine.Generation g = TextEngine.generate(lease.transformer(), tok, p.ids(), maxNew, sampling,
                        lease.loaded().model().config().eosTokenIds(), stops, logprobs == null ? 0 : logprobs, echo && logprobs != null, null);
                String text = (echo ? p.text() : "") + g.text();
                choices.add(new Choice(i, text, logprobs == null ? null : logprobs(g, tok, echo, p.text()),
                        g.stop().equals("eos") || g.stop().equals("stop") ? "stop" : "length"));
                promptTokens += p.ids().length;
                completionTokens += g.steps().size();
            }
            return new CompletionResponse("cmpl-" + UUID.randomUUID().toString().replace("-", "").substring(0, 24), "text_completion",
                    Instant.now().getEpochSecond(), model, choices, new Usage(promptTokens, completionTokens, promptTokens + completionTokens));
        }
    }

    record Prompt(int[] ids, String text) {
    }

    /** A string, a list of strings, a list of token ids, or a list of token-id lists. */
    static List<Prompt> prompts(JsonNode p, MoeTokenizer tok, int vocab) {
        if (p == null || p.isNull()) throw ApiException.invalid("prompt", "field 'prompt' is required");
        List<Prompt> out = new ArrayList<>();
        if (p.isTextual()) {
            out.add(text(p.asText(), tok, "prompt"));
        } else if (p.isArray() && !p.isEmpty() && p.get(0).isIntegralNumber()) {
            out.add(ids(p, tok, vocab, "prompt"));
        } else if (p.isArray() && !p.isEmpty()) {
            for (int i = 0; i < p.size(); i++) {
                JsonNode x = p.get(i);
                String field = "prompt[" + i + "]";
                if (x.isTextual()) out.add(text(x.asText(), tok, field));
                else if (x.isArray() && !x.isEmpty()) out.add(ids(x, tok, vocab, field));
                else throw ApiException.invalid(field, "field '" + field + "' must be a string or a non-empty list of token ids");
            }
        } else {
            throw ApiException.invalid("prompt", "field 'prompt' must be a string, a list of strings, or (lists of) token ids");
        }
        if (out.size() > 64) throw ApiException.invalid("prompt", "at most 64 prompts per request");
        return out;
    }

    private static Prompt text(String s, MoeTokenizer tok, String field) {
        int[] ids = tok.encode(s);
        if (ids.length == 0) throw ApiException.invalid(field, "field '" + field + "' has no tokens");
        return new Prompt(ids, s);
    }

    private static Prompt ids(JsonNode arr, MoeTokenizer tok, int vocab, String field) {
        int[] ids = new int[arr.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode x = arr.get(i);
            if (!x.isIntegralNumber() || x.asLong() < 0 || x.asLong() >= Math.min(vocab, tok.vocabSize())) {
                throw ApiException.invalid(field, "field '" + field + "': element " + i + " (" + x + ") is not a token id in [0, "
                        + Math.min(vocab, tok.vocabSize()) + ")");
            }
            ids[i] = x.asInt();
        }
        return new Prompt(ids, tok.decode(ids));
    }

    static List<String> stops(JsonNode stop) {
        List<String> out = new ArrayList<>();
        if (stop == null || stop.isNull()) return out;
        if (stop.isTextual()) {
            if (!stop.asText().isEmpty()) out.add(stop.asText());
            return out;
        }
        if (!stop.isArray() || stop.size() > 16) throw ApiException.invalid("stop", "field 'stop' must be a string or up to 16 strings");
        for (JsonNode s : stop) {
            if (!s.isTextual()) throw ApiException.invalid("stop", "field 'stop' must hold strings only");
            if (!s.asText().isEmpty()) out.add(s.asText());
        }
        return out;
    }

    /** OpenAI's logprobs object: prompt tokens first when echoed (the first has no log-probability), then the new tokens. */
    static Logprobs logprobs(TextEngine.Generation g, MoeTokenizer tok, boolean echo, String promptText) {
        List<String> tokens = new ArrayList<>();
        List<Double> lps = new ArrayList<>();
        List<Map<String, Double>> tops = new ArrayList<>();
        List<Integer> offsets = new ArrayList<>();
        int base = 0;
        if (echo) {
            StreamingDecoder d = tok.streamingDecoder();
            int at = 0;
            for (int i = 0; i < g.prompt().length; i++) {
                int id = g.prompt()[i];
                tokens.add(GenerateResource.piece(tok, id));
                offsets.add(at);
                at += d.accept(id).length();
                lps.add(i == 0 ? null : g.promptLogprobs()[i]);
                tops.add(i == 0 ? null : dict(g.promptTop().get(i), tok));
            }
            base = promptText.length();
        }
        StreamingDecoder d = tok.streamingDecoder();
        int at = 0;
        for (TextEngine.Step s : g.steps()) {
            tokens.add(GenerateResource.piece(tok, s.token()));
            offsets.add(base + at);
            at += d.accept(s.token()).length();
            lps.add(s.logprob());
            tops.add(dict(s.top(), tok));
        }
        return new Logprobs(tokens, lps, tops, offsets);
    }

    private static Map<String, Double> dict(List<TextEngine.Top> top, MoeTokenizer tok) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (TextEngine.Top t : top) m.putIfAbsent(GenerateResource.piece(tok, t.token()), t.logprob());
        return m;
    }
}
