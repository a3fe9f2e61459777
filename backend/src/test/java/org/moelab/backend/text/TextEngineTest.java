package org.moelab.backend.text;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Stop-string bookkeeping of the streaming generator. */
class TextEngineTest {

    @Test
    void firstStopFindsTheEarliestOccurrence() {
        assertEquals(3, TextEngine.firstStop("abc\ndef.", List.of(".", "\n"), 0));
        assertEquals(-1, TextEngine.firstStop("abc", List.of("x"), 0));
        assertEquals(-1, TextEngine.firstStop("a.b", List.of("."), 2));
    }

    @Test
    void heldBackKeepsWhatCouldStillBecomeAStopString() {
        assertEquals(2, TextEngine.heldBack("hello ##", List.of("###")));
        assertEquals(0, TextEngine.heldBack("hello", List.of("###")));
        assertEquals(1, TextEngine.heldBack("the end", List.of("d.")));
        assertEquals(0, TextEngine.heldBack("", List.of("abc")));
    }

    @Test
    void topKIsSortedMostLikelyFirst() {
        float[] logits = {0.1f, 3f, -1f, 2f, 2.5f};
        var top = TextEngine.top(logits, 0, 5, 3, 0);
        assertEquals(List.of(1, 4, 3), top.stream().map(TextEngine.Top::token).toList());
    }
}
