package org.moelab.eval;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One zero-shot multiple-choice item as lm-evaluation-harness scores it: per choice a (context,
 * continuation) pair whose continuation log-likelihood is summed, and the length that {@code acc_norm}
 * divides by.
 *
 * @param choices the scored pairs, in answer order
 * @param gold    index of the right choice
 */
public record McItem(List<Choice> choices, int gold) {

    /**
     * @param context      text the continuation is conditioned on
     * @param continuation scored text, target delimiter (" ") included
     * @param normLength   UTF-8 byte length of the choice text without the delimiter (methods.md §7)
     */
    public record Choice(String context, String continuation, int normLength) {
    }

    public McItem {
        choices = List.copyOf(choices);
        if (choices.size() < 2) throw new IllegalArgumentException("an item needs at least 2 choices, got " + choices.size());
        if (gold < 0 || gold >= choices.size()) {
            throw new IllegalArgumentException("gold " + gold + " outside the " + choices.size() + " choices");
        }
    }

    /** One context, each choice scored as {@code " " + choice} after it (lm-eval's default delimiter). */
    public static McItem of(String context, List<String> choices, int gold) {
        List<Choice> list = new ArrayList<>();
        for (String c : choices) list.add(new Choice(context, " " + c, bytes(c)));
        return new McItem(list, gold);
    }

    /**
     * lm-eval's partial scoring (WinoGrande): one context per option, the shared {@code " " + target} scored
     * after each. All choices share the target, so {@code acc_norm} equals {@code acc}.
     */
    public static McItem partial(List<String> contexts, String target, int gold) {
        List<Choice> list = new ArrayList<>();
        for (String c : contexts) list.add(new Choice(c, " " + target, bytes(target)));
        return new McItem(list, gold);
    }

    static int bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
