package org.moelab.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.moelab.Progress;
import org.moelab.TestData;
import org.moelab.baselines.DequantizedExperts;
import org.moelab.baselines.MinMaxGroupQuantizer;
import org.moelab.baselines.Rtn;
import org.moelab.model.ModelLoader;
import org.moelab.model.MoeModel;
import org.moelab.runtime.InferenceSession;
import org.moelab.runtime.Transformer;
import org.moelab.tokenizer.MoeTokenizer;

import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The harness on the teaching model: scorer, LAMBADA greedy check, a PIQA slice, expert shift and KL. */
class TeachingModelEvalTest {

    static MoeModel model;
    static MoeTokenizer tok;
    static Transformer fp;
    static int[] val;

    @BeforeAll
    static void load() throws Exception {
        model = ModelLoader.load(TestData.teachingModel());
        tok = MoeTokenizer.load(TestData.teachingModel());
        fp = new Transformer(model);
        val = tok.encode(Files.readString(TestData.teachingModel().resolve("val.txt")));
    }

    @AfterAll
    static void close() {
        tok.close();
        model.close();
    }

    @Test
    void scorerMatchesOneForwardOverContextAndContinuation() {
        int[] ctx = Arrays.copyOfRange(val, 0, 40);
        int[] cont = Arrays.copyOfRange(val, 40, 46);
        Loglikelihood r = new ModelScorer(fp, tok).score(ctx, cont);
        int vocab = model.config().vocabSize();
        InferenceSession s = fp.newSession();
        float[] logits = s.feedAll(Arrays.copyOfRange(val, 0, 45));
        double expected = 0;
        for (int j = 0; j < 6; j++) expected -= Perplexity.negLogLikelihood(logits, (39 + j) * vocab, vocab, val[40 + j]);
        assertEquals(expected, r.logprob(), 1e-3);
        assertEquals(6, r.tokens());
        assertTrue(r.logprob() < 0);
    }

    @Test
    void lambadaAcceptsExactlyTheGreedyLastWord() throws Exception {
        String text = Files.readString(TestData.teachingModel().resolve("val.txt"));
        ModelScorer scorer = new ModelScorer(fp, tok);
        InferenceSession s = fp.newSession();
        Lambada.Item hit = null;
        for (int cut = 300; hit == null && cut < 3000; cut += 97) {
            String context = text.substring(0, text.lastIndexOf(' ', cut));
            int[] ids = tok.encode(context);
            s.reset();
            int[] greedy = new int[2];
            float[] logits = s.feed(ids);
            for (int i = 0; i < greedy.length; i++) {
                greedy[i] = Stats.argmax(logits, 0, logits.length);
                logits = s.feed(greedy[i]);
            }
            String target = tok.decode(greedy);
            if (!target.startsWith(" ") || target.strip().contains(" ")) continue;
            int[][] pair = ModelScorer.encodePair(tok::encode, context, target, 0);
            if (Arrays.equals(pair[0], ids) && Arrays.equals(pair[1], greedy)) hit = new Lambada.Item(context, target);
        }
        assertNotNull(hit, "found a context whose greedy 2-token continuation is one word that re-tokenizes the same");
        Lambada.Item miss = new Lambada.Item(hit.context(), " xylophonequark");
        TaskResult r = Lambada.evaluate(List.of(hit, miss), scorer, 0, Progress.NONE);
        assertEquals(2, r.items());
        assertEquals(0.5, r.acc(), 1e-12, "the greedy word counts, the made-up one does not");
        assertTrue(scorer.loglikelihood(hit.context(), hit.target()).greedy());
        assertFalse(scorer.loglikelihood(miss.context(), miss.target()).greedy());
    }

    @Test
    void twentyPiqaItemsRun() {
        McTask piqa = EvalSets.load(TestData.repo().resolve("data/evalsets"), "piqa");
        TaskResult r = MultipleChoice.evaluate(piqa, new ModelScorer(fp, tok), 20, Progress.NONE);
        assertEquals(20, r.items());
        assertTrue(r.acc() >= 0 && r.acc() <= 1, "acc " + r.acc());
        assertTrue(r.accNorm() >= 0 && r.accNorm() <= 1, "acc_norm " + r.accNorm());
    }

    @Test
    void fpAgainstItselfHasNoShiftAndNoDivergence() {
        ModelComparison.Options o = ModelComparison.Options.of(256, 512);
        ModelComparison.Result r = ModelComparison.compare(fp, fp, val, o, Progress.NONE);
        assertEquals(2, r.windows());
        assertEquals(0.0, r.expertShift().rate());
        assertEquals(4, r.expertShift().perLayer().size());
        r.expertShift().perLayer().forEach(l -> {
            assertEquals(0.0, l.rate(), "layer " + l.layer());
            assertEquals(512, l.tokens());
        });
        assertEquals(0.0, r.kl().meanKl());
        assertEquals(0.0, r.kl().maxKl());
        assertEquals(100.0, r.kl().sameTopPct());
        assertEquals(512, r.kl().tokens());
        assertEquals(List.of(0, 16, 64), r.kl().buckets().stream().map(NextTokenKl.Bucket::from).toList());
        assertEquals(256, r.kl().buckets().get(2).to());
    }

    @Test
    void rtnShiftsExpertsAboveTheNoiseFloorButNeverInTheFirstLayer() {
        ModelComparison.Options o = ModelComparison.Options.of(256, 512);
        ModelComparison.Result floor = ModelComparison.noiseFloor(fp, val, o, 32, Progress.NONE);
        var rtn = Rtn.quantize(model, new MinMaxGroupQuantizer(2, 128, false), Progress.NONE);
        Transformer q = new Transformer(model, DequantizedExperts.layers(model, rtn));
        ModelComparison.Result r = ModelComparison.compare(fp, q, val, o, Progress.NONE);
        // RTN touches only routed experts, which run after layer 0's router: its inputs are unchanged
        assertEquals(0.0, r.expertShift().perLayer().get(0).rate());
        assertTrue(r.expertShift().rate() > 0.01, "2-bit RTN shifts experts: " + r.expertShift().rate());
        assertTrue(r.expertShift().rate() > 5 * floor.expertShift().rate(), "shift " + r.expertShift().rate() + " floor " + floor.expertShift().rate());
        assertTrue(r.kl().meanKl() > 10 * floor.kl().meanKl(), "KL " + r.kl().meanKl() + " floor " + floor.kl().meanKl());
        assertTrue(r.kl().sameTopPct() < 100);
        assertTrue(floor.expertShift().rate() < 0.01, "floor " + floor.expertShift().rate());
        assertTrue(floor.kl().meanKl() < 1e-3, "floor KL " + floor.kl().meanKl());

        EvalReport report = EvalReport.of("tiny-rtn2", "tiny", 0, List.of(new TaskResult("copa", 3, 2.0 / 3, 0.33, 1.0 / 3, 0.33, null)),
                null, null, "val.txt", r, floor);
        JsonNode json = TestData.json(write(report.toJson()));
        assertEquals("tiny-rtn2", json.get("model").asText());
        assertEquals(r.expertShift().rate(), json.at("/comparison/expertShift/rate").asDouble());
        assertEquals(4, json.at("/noiseFloor/expertShift/perLayer").size());
        assertEquals(0.5, json.get("meanAccNorm").asDouble() + 1.0 / 6, 1e-12);
        assertFalse(json.has("perplexity"));
        String md = report.toMarkdown();
        assertTrue(md.contains("| copa | 3 | 66.67 | 33.00 | 33.33 | 33.00 |"), md);
        assertTrue(md.contains("| layer | expert shift % | noise floor % |"), md);
        assertTrue(md.contains("| 0 | 0.00 |"), md);
    }

    private static java.nio.file.Path write(String s) {
        try {
            java.nio.file.Path p = Files.createTempFile("eval-report", ".json");
            Files.writeString(p, s);
            p.toFile().deleteOnExit();
            return p;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
