package org.moelab.backend.text;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.vertx.core.http.HttpServerResponse;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;
import org.moelab.backend.api.ApiException;
import org.moelab.backend.api.Check;
import org.moelab.backend.api.ErrorMapper;
import org.moelab.backend.config.MoelabConfig;
import org.moelab.backend.jobs.SseSupport;
import org.moelab.backend.models.ModelRegistry;
import org.moelab.runtime.SamplingOptions;
import org.moelab.tokenizer.MoeTokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Text generation from one model: a JSON answer, or tokens streamed as server-sent events. */
@Path("/v1/models/{id}/generate")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "generation")
public class GenerateResource {

    private static final Logger LOG = Logger.getLogger(GenerateResource.class);

    @Inject
    ModelRegistry registry;
    @Inject
    MoelabConfig config;
    @Inject
    SseSupport sseSupport;

    private static final ExecutorService STREAMS = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().name("moelab-stream-", 0).daemon().factory());

    /**
     * @param prompt      text to continue (required)
     * @param maxTokens   most new tokens (default 64)
     * @param temperature 0 = greedy (default 0.8)
     * @param topP        nucleus mass (default 0.95)
     * @param seed        sampling seed (default 42): the same seed gives the same text
     * @param stop        strings that end generation (not included in the text)
     * @param logprobs    how many top alternatives to report per token (0-20; default 0 = no log-probabilities)
     */
    public record GenerateRequest(String prompt, Integer maxTokens, Double temperature, Double topP, Long seed, List<String> stop,
                                  Integer logprobs) {
    }

    public record TokenLogprob(int token, String text, double logprob, List<Alternative> top) {
    }

    public record Alternative(int token, String text, double logprob) {
    }

    /** @param stop eos, stop, length, context_full */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record GenerateResponse(String model, String text, int[] tokens, int promptTokens, String stop,
                                   double prefillTokensPerSecond, double decodeTokensPerSecond, List<TokenLogprob> logprobs) {
    }

    record Prepared(int[] prompt, int maxNew, SamplingOptions sampling, List<String> stops, int topK) {
    }

    @POST
    @Operation(summary = "Generate text (JSON)")
    public GenerateResponse generate(@PathParam("id") String id, GenerateRequest body) {
        Check.body(body);
        try (ModelRegistry.Lease lease = registry.lease(id)) {
            Prepared p = prepare(body, lease.tokenizer());
            TextEngine.Generation g = TextEngine.generate(lease.transformer(), lease.tokenizer(), p.prompt(), p.maxNew(), p.sampling(),
                    lease.loaded().model().config().eosTokenIds(), p.stops(), p.topK(), false, null);
            return response(id, g, p.topK() > 0 ? logprobs(g, lease.tokenizer()) : null);
        }
    }

    @POST
    @Path("stream")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "Generate text as server-sent events: token {index, token, text}, then done (or error)")
    public void stream(@PathParam("id") String id, GenerateRequest body, @Context SseEventSink sink, @Context Sse sse,
                       @Context HttpServerResponse response) {
        Check.body(body);
        ModelRegistry.Lease lease = registry.lease(id);
        Prepared p;
        try {
            p = prepare(body, lease.tokenizer());
        } catch (RuntimeException e) {
            lease.close();
            throw e;
        }
        SseSupport.streamingHeaders(response);
        if (!sseSupport.send(sink, sse, "start", Map.of("model", id, "promptTokens", p.prompt().length), null)) {
            lease.close();
            sink.close();
            return;
        }
        STREAMS.execute(() -> {
            try (lease) {
                TextEngine.Generation g = TextEngine.generate(lease.transformer(), lease.tokenizer(), p.prompt(), p.maxNew(),
                        p.sampling(), lease.loaded().model().config().eosTokenIds(), p.stops(), 0, false,
                        (index, token, text) -> sseSupport.send(sink, sse, "token", Map.of("index", index, "token", token, "text", text), null));
                if (!"client_gone".equals(g.stop())) sseSupport.send(sink, sse, "done", response(id, g, null), null);
            } catch (RuntimeException e) {
                ErrorMapper.Mapped m = ErrorMapper.map(e);
                LOG.debugf("generation stream of %s failed: %s", id, m.error().message());
                sseSupport.send(sink, sse, "error", m.error(), null);
            } finally {
                sink.close();
            }
        });
    }

    Prepared prepare(GenerateRequest b, MoeTokenizer tok) {
        String prompt = Check.text("prompt", b.prompt());
        int maxNew = Check.range("maxTokens", b.maxTokens(), 64, 0, config.maxNewTokens());
        double temperature = Check.range("temperature", b.temperature(), 0.8, 0, 100);
        double topP = b.topP() == null ? 0.95 : b.topP();
        if (!(topP > 0 && topP <= 1)) throw ApiException.invalid("topP", "field 'topP' must be in (0, 1], got " + topP);
        int topK = Check.range("logprobs", b.logprobs(), 0, 0, 20);
        List<String> stops = new ArrayList<>();
        if (b.stop() != null) {
            if (b.stop().size() > 16) throw ApiException.invalid("stop", "field 'stop' may hold at most 16 strings");
            for (String s : b.stop()) stops.add(Check.text("stop", s));
        }
        int[] ids = tok.encode(prompt);
        if (ids.length == 0) throw ApiException.invalid("prompt", "field 'prompt' has no tokens");
        return new Prepared(ids, maxNew, new SamplingOptions(temperature, topP, b.seed() == null ? 42 : b.seed()), stops, topK);
    }

    static GenerateResponse response(String model, TextEngine.Generation g, List<TokenLogprob> logprobs) {
        int n = g.steps().size();
        double prefill = g.prefillNanos() == 0 ? 0 : g.prompt().length / (g.prefillNanos() / 1e9);
        double decode = n <= 1 || g.decodeNanos() == 0 ? 0 : (n - 1) / (g.decodeNanos() / 1e9);
        return new GenerateResponse(model, g.text(), g.tokens(), g.prompt().length, g.stop(), prefill, decode, logprobs);
    }

    static List<TokenLogprob> logprobs(TextEngine.Generation g, MoeTokenizer tok) {
        List<TokenLogprob> out = new ArrayList<>();
        for (TextEngine.Step s : g.steps()) {
            List<Alternative> top = s.top().stream().map(t -> new Alternative(t.token(), piece(tok, t.token()), t.logprob())).toList();
            out.add(new TokenLogprob(s.token(), piece(tok, s.token()), s.logprob(), top));
        }
        return out;
    }

    /** The text of one token (ids beyond the tokenizer's vocabulary, e.g. embedding padding, show as <id>). */
    static String piece(MoeTokenizer tok, int id) {
        return id >= 0 && id < tok.vocabSize() ? tok.decode(new int[]{id}) : "<" + id + ">";
    }
}
