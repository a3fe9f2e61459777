package org.moelab.kernel;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MagicArgumentsTest {

    private final MagicArguments parser = new MagicArguments(Set.of("dry-run", "help"));

    @Test
    void parsesOptionsFlagsQuotesAndErrors() {
        MagicArguments.Parsed p = parser.parse("--bits 2.5 --model tiny --dry-run \"a quoted prompt\"");
        assertEquals(Map.of("bits", "2.5", "model", "tiny", "dry-run", "true"), p.options());
        assertEquals(List.of("bits", "model", "dry-run"), List.copyOf(p.options().keySet()), "order kept");
        assertEquals(List.of("a quoted prompt"), p.positional());
        assertTrue(p.flag("dry-run"));
        assertEquals("2.5", p.option("bits").orElseThrow());

        MagicArguments.Parsed q = parser.parse(
                "  --prompt='it''s' --name a\\ b --text \"say \\\"hi\\\" \\\\ \" --seed -1 --joined=a\" b\" '--x' -- --y ");
        assertAll(
                () -> assertEquals("its", q.options().get("prompt"), "adjacent pieces join"),
                () -> assertEquals("a b", q.options().get("name"), "escaped space"),
                () -> assertEquals("say \"hi\" \\ ", q.options().get("text"), "escapes in double quotes"),
                () -> assertEquals("-1", q.options().get("seed"), "a negative number is a value"),
                () -> assertEquals("a b", q.options().get("joined"), "quotes inside an option token"),
                () -> assertEquals(List.of("--x", "--y"), q.positional(), "quoted and after -- are positional"));

        assertEquals("--literal", parser.parse("--prompt \"--literal\"").options().get("prompt"));
        assertEquals(Map.of(), parser.parse("").options());
        assertEquals(List.of(), parser.parse(null).positional());

        assertAll(
                () -> assertError("unterminated \" quote starting at column 10", "--prompt \"never closed"),
                () -> assertError("unterminated ' quote starting at column 3", "a 'b"),
                () -> assertError("option --bits needs a value (column 1)", "--bits"),
                () -> assertError("option --bits needs a value (column 1)", "--bits --model tiny"),
                () -> assertError("option --dry-run is a flag and takes no value (column 1)", "--dry-run=yes"),
                () -> assertError("option --bits is given twice (column 10)", "--bits 2 --bits 3"),
                () -> assertError("an option needs a name before '=' (column 1)", "--=3"),
                () -> assertError("a backslash ends the line (column 3)", "a \\"));
    }

    @Test
    void splitAndPreSplitWords() {
        assertEquals(List.of("--prompt", "a b", "--x=y z", "c"), MagicArguments.split("--prompt 'a b' --x=\"y z\" c"));
        MagicArguments.Parsed p = parser.parseWords(List.of("--bits", "2", "--dry-run", "two words"));
        assertEquals(Map.of("bits", "2", "dry-run", "true"), p.options());
        assertEquals(List.of("two words"), p.positional(), "words are taken literally");
        var e = assertThrows(MagicArguments.MagicArgumentException.class, () -> parser.parseWords(List.of("--a", "1", "--bits")));
        assertEquals("option --bits needs a value (word 3)", e.getMessage());
    }

    private void assertError(String message, String line) {
        var e = assertThrows(MagicArguments.MagicArgumentException.class, () -> parser.parse(line), line);
        assertEquals(message, e.getMessage());
    }
}
