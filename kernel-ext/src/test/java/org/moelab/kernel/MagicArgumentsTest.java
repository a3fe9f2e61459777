package org.moelab.kernel;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MagicArgumentsTest {

    @Test
    void parsesOptionsFlagsAndQuotedPositionals() {
        MagicArguments a = MagicArguments.parse("--bits 2.5 --model tiny --dry-run \"a quoted prompt\" --seed=3 'x y'");
        assertEquals(2.5, a.number("bits"));
        assertEquals("tiny", a.options().get("model"));
        assertEquals("a quoted prompt", a.options().get("dry-run"));
        assertEquals("3", a.options().get("seed"));
        assertEquals(List.of("x y"), a.positionals());
        MagicArguments f = MagicArguments.parse("--dry-run --bits 3");
        assertTrue(f.flag("dry-run"));
        assertEquals(3, f.number("bits"));
        assertEquals(List.of("", "b"), MagicArguments.parse("'' b").positionals());
    }

    @Test
    void clearErrors() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MagicArguments.parse("--x \"open"))
                .getMessage().contains("unterminated"));
        assertEquals("--bits needs a number, got 'two'",
                assertThrows(IllegalArgumentException.class, () -> MagicArguments.parse("--bits two").number("bits")).getMessage());
        assertEquals("--bits needs a number", assertThrows(IllegalArgumentException.class,
                () -> MagicArguments.parse("--bits").number("bits")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MagicArguments.parse("--a 1 --a 2"))
                .getMessage().contains("twice"));
    }
}
