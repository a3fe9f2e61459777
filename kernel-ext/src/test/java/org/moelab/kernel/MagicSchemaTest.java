package org.moelab.kernel;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MagicSchemaTest {

    private final MagicSchema schema = MagicSchema.builder("demo", "A demo.")
            .text("model", "M", null, "model id")
            .number("bits", "B", 3.0, 0, 16, "bits")
            .integer("n", "N", 4, 1, 10, "count")
            .choice("stage", "all", "stage", "a", "b", "all")
            .list("models", "M1,M2", "fp", "models")
            .flag("dry-run", "no writes")
            .positional("PROMPT", "text")
            .body("a prompt")
            .build();

    @Test
    void typedValuesWithDefaults() {
        MagicSchema.Args a = schema.parse("--bits 2.5 --stage B --models 'fp, last ,x' --dry-run hello  world");
        assertEquals(2.5, a.number("bits"));
        assertEquals(4, a.integer("n"), "default");
        assertEquals("b", a.text("stage"), "choices are case-insensitive");
        assertEquals(List.of("fp", "last", "x"), a.list("models"));
        assertTrue(a.flag("dry-run"));
        assertNull(a.text("model"));
        assertEquals("hello world", a.rest());
        assertFalse(schema.parse("").flag("dry-run"));
        assertEquals(List.of("fp"), schema.parse("").list("models"));
        assertEquals(3.0, schema.parseWords(List.of("--n", "5")).number("bits"));
        assertThrows(IllegalArgumentException.class, () -> a.integer("bits"), "asking the wrong type is a programming error");
    }

    @Test
    void errorsNameMagicOptionAndValue() {
        assertError("%demo: --n expects a whole number, got '2.5'", "--n 2.5");
        assertError("%demo: --n must be in [1, 10], got 11", "--n 11");
        assertError("%demo: --bits expects a finite number, got 'NaN'", "--bits NaN");
        assertError("%demo: --stage expects one of a, b, all; got 'c'", "--stage c");
        assertError("%demo: --model needs a non-empty value", "--model ''");
        assertError("%demo: --models expects a comma-separated list, got ','", "--models ,");
        assertError("%demo: unknown option --x (options: --model, --bits, --n, --stage, --models, --dry-run, --help)", "--x 1");
        assertError("%demo: option --bits needs a value (column 1)", "--bits");
        assertError("%demo: option --bits needs a value (word 1)", List.of("--bits"));
    }

    private void assertError(String expected, String line) {
        assertEquals(expected, assertThrows(MagicException.class, () -> schema.parse(line)).getMessage());
    }

    private void assertError(String expected, List<String> words) {
        assertEquals(expected, assertThrows(MagicException.class, () -> schema.parseWords(words)).getMessage());
    }

    @Test
    void helpListsEveryOption() {
        assertTrue(schema.parse("--help --n nonsense").help(), "--help wins over bad values");
        String h = schema.help();
        assertTrue(h.startsWith("%demo [--model M] [--bits B] [--n N] [--stage a|b|all] [--models M1,M2] [--dry-run] [PROMPT]\n"), h);
        assertTrue(h.contains("%%demo [options]\\n<a prompt>"), h);
        assertTrue(h.contains("  --bits B        bits [0, 16]; default 3\n"), h);
        assertTrue(h.contains("  --help          show this help"), h);
    }
}
