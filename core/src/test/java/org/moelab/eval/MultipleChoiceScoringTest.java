package org.moelab.eval;

import org.junit.jupiter.api.Test;
import org.moelab.Progress;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** lm-eval multiple-choice scoring against a stub scorer with known log-likelihoods. */
class MultipleChoiceScoringTest {

    /** Log-likelihood by (context, continuation); records every request. */
    static final class Stub implements LoglikelihoodScorer {
        final Map<String, Double> ll;
        final List<String> requests = new ArrayList<>();

        Stub(Map<String, Double> ll) {
            this.ll = ll;
        }

        @Override
        public Loglikelihood loglikelihood(String context, String continuation) {
            requests.add(context + "|" + continuation);
            Double v = ll.get(context + "|" + continuation);
            if (v == null) throw new AssertionError("unexpected request " + context + "|" + continuation);
            return new Loglikelihood(v, false, 1);
        }
    }

    static final McTask TASK = new McTask("hand", List.of(
            // acc picks the short choice (wrong); per byte the long one wins (right)
            McItem.of("Q1", List.of("a", "bbbbbbbbbb"), 1),
            // acc right; per byte " yes" (3 bytes) beats " no" (2 bytes): acc_norm wrong
            McItem.of("Q2", List.of("no", "yes"), 0),
            // acc picks "d" (wrong); per byte "cc" wins (right)
            McItem.of("Q3", List.of("cc", "d"), 0)));

    static final Stub STUB = new Stub(Map.of(
            "Q1| a", -2.0, "Q1| bbbbbbbbbb", -5.0,
            "Q2| no", -1.8, "Q2| yes", -2.0,
            "Q3| cc", -4.0, "Q3| d", -3.0));

    @Test
    void accAndAccNormFollowLmEval() {
        MultipleChoice.Scored s1 = MultipleChoice.score(TASK.items().get(0), STUB);
        assertArrayEquals(new double[] {-2, -5}, s1.loglikelihoods());
        assertEquals(0, s1.pred());
        assertEquals(1, s1.predNorm());
        MultipleChoice.Scored s2 = MultipleChoice.score(TASK.items().get(1), STUB);
        assertEquals(0, s2.pred());
        assertEquals(1, s2.predNorm());

        TaskResult r = MultipleChoice.evaluate(TASK, STUB, 0, Progress.NONE);
        assertEquals("hand", r.task());
        assertEquals(3, r.items());
        assertEquals(1.0 / 3, r.acc(), 1e-12);
        assertEquals(2.0 / 3, r.accNorm(), 1e-12);
        // lm-eval mean_stderr: sqrt(p(1-p)/(n-1)) for 0/1 outcomes
        assertEquals(Math.sqrt((1.0 / 3) * (2.0 / 3) / 2), r.accStderr(), 1e-12);
        assertEquals(Math.sqrt((2.0 / 3) * (1.0 / 3) / 2), r.accNormStderr(), 1e-12);
        assertNull(r.ppl());
    }

    @Test
    void limitTakesTheFirstItems() {
        TaskResult r = MultipleChoice.evaluate(TASK, STUB, 2, Progress.NONE);
        assertEquals(2, r.items());
        assertEquals(0.5, r.acc(), 1e-12);
        assertEquals(0.5, r.accNorm(), 1e-12);
    }

    @Test
    void tiesGoToTheFirstChoiceAsNumpyArgmax() {
        Stub tie = new Stub(Map.of("T| x", -1.0, "T| y", -1.0));
        MultipleChoice.Scored s = MultipleChoice.score(McItem.of("T", List.of("x", "y"), 1), tie);
        assertEquals(0, s.pred());
        assertEquals(0, s.predNorm());
    }

    @Test
    void normLengthIsUtf8BytesWithoutTheDelimiter() {
        McItem item = McItem.of("ctx", List.of("é", "ab c"), 0);
        assertEquals(new McItem.Choice("ctx", " é", 2), item.choices().get(0));
        assertEquals(new McItem.Choice("ctx", " ab c", 4), item.choices().get(1));
    }

    @Test
    void partialScoringSharesTheSuffixAcrossContexts() {
        McItem w = McItem.partial(List.of("Sarah was better so Sarah", "Sarah was better so Maria"), "got the easy cases.", 1);
        Stub stub = new Stub(Map.of("Sarah was better so Sarah| got the easy cases.", -9.0,
                "Sarah was better so Maria| got the easy cases.", -7.0));
        MultipleChoice.Scored s = MultipleChoice.score(w, stub);
        assertEquals(1, s.pred());
        assertEquals(1, s.predNorm());
        assertEquals(List.of("Sarah was better so Sarah| got the easy cases.", "Sarah was better so Maria| got the easy cases."),
                stub.requests);
    }

    @Test
    void encodePairFollowsHflm() {
        // one token per character, so the pair is easy to read back
        java.util.function.Function<String, int[]> chars = s -> s.chars().toArray();
        int[][] p = ModelScorer.encodePair(chars, "Answer: ", "yes", 99);
        assertArrayEquals("Answer:".chars().toArray(), p[0], "trailing space leaves the context");
        assertArrayEquals(" yes".chars().toArray(), p[1], "and starts the continuation");
        int[][] empty = ModelScorer.encodePair(chars, "", " yes", 99);
        assertArrayEquals(new int[] {99}, empty[0], "empty context: the prefix token");
        assertArrayEquals(" yes".chars().toArray(), empty[1]);
        // a tokenizer that merges across the boundary: the merged token belongs to the continuation
        java.util.function.Function<String, int[]> merging = s -> s.equals("ab") ? new int[] {7} : s.chars().toArray();
        int[][] m = ModelScorer.encodePair(merging, "a", "b", 99);
        assertArrayEquals(new int[] {'a'}, m[0]);
        assertArrayEquals(new int[] {}, m[1], "whole[len(ctx):] of a single merged token is empty, as in lm-eval");
    }

    @Test
    void lambadaCountsOnlyFullyGreedyTargets() {
        List<Lambada.Item> items = List.of(new Lambada.Item("He opened the", " door"), new Lambada.Item("She said", " hello"));
        LoglikelihoodScorer stub = (ctx, cont) -> switch (ctx + "|" + cont) {
            case "He opened the| door" -> new Loglikelihood(-0.5, true, 1);
            case "She said| hello" -> new Loglikelihood(-3.5, false, 2);
            default -> throw new AssertionError(ctx + "|" + cont);
        };
        TaskResult r = Lambada.evaluate(items, stub, 0, Progress.NONE);
        assertEquals(Lambada.TASK, r.task());
        assertEquals(2, r.items());
        assertEquals(0.5, r.acc(), 1e-12);
        assertNull(r.accNorm());
        assertEquals(Math.exp(2.0), r.ppl(), 1e-9, "exp(-mean loglik) = exp((0.5 + 3.5) / 2)");
        assertEquals(Math.sqrt(0.25 / 1), r.accStderr(), 1e-12);
    }

    @Test
    void taskListsParse() {
        assertEquals(EvalSets.ALL, ZeroShot.parseTasks("all"));
        assertEquals(List.of(), ZeroShot.parseTasks("none"));
        assertEquals(List.of("piqa", "copa", "lambada_openai"), ZeroShot.parseTasks("lambada, copa,PIQA"));
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> ZeroShot.parseTasks("hellaswag"));
        assertEquals(true, e.getMessage().startsWith("unknown task 'hellaswag'"));
    }

    @Test
    void csvHandlesQuotesCommasAndNewlines() {
        var rows = Csv.parse("question,a,answer\n\"x, \"\"y\"\"\nz\",2,1\r\nplain,,0");
        assertEquals(3, rows.size());
        assertEquals(List.of("x, \"y\"\nz", "2", "1"), rows.get(1));
        assertEquals(Arrays.asList("plain", "", "0"), rows.get(2));
    }
}
