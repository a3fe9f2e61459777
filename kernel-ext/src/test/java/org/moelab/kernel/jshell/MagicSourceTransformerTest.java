package org.moelab.kernel.jshell;

import org.junit.jupiter.api.Test;
import org.moelab.kernel.MagicException;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class MagicSourceTransformerTest {

    private final MagicSourceTransformer t = new MagicSourceTransformer(Map.of("moe-allocate", (Class<?>) StringBuilder.class)::get);
    private static final String R = "org.moelab.kernel.KernelRuntime.";

    @Test
    void lineMagicsBecomeCalls() {
        assertEquals(R + "runLine(\"moe-models\", java.util.List.of());", t.transform("%moe-models"));
        assertEquals("int x = 1;\n  " + R + "runLine(\"moe-quantize\", java.util.List.of(\"--bits\", \"3\", \"a b\"));\nx",
                t.transform("int x = 1;\n  %moe-quantize --bits 3 'a b'\nx"));
    }

    @Test
    void assignmentsAreTypedByTheMagicsResult() {
        assertEquals("var plan = (java.lang.StringBuilder) " + R + "lineMagic(\"moe-allocate\", java.util.List.of(\"--bits\", \"2.5\"));",
                t.transform("var plan = %moe-allocate --bits 2.5;"));
        assertEquals("Object o =" + R + "lineMagic(\"other\", java.util.List.of());", t.transform("Object o =%other"));
    }

    @Test
    void javaThatMerelyContainsPercentIsLeftAlone() {
        for (String code : new String[] {"int r = a % b;", "String s = \"%d\";", "x %= 3;", "if (a == %b) {}", "// v = %moe-models",
                "String f = String.format(\"x = %s\", y);", "y = a\n  % b;"}) {
            assertEquals(code, t.transform(code), code);
        }
    }

    @Test
    void cellMagicsTakeTheBody() {
        assertEquals(R + "runCell(\"moe-generate\", java.util.List.of(\"--models\", \"fp\"), \"Once \\\"upon\\\"\\na\\ttime\\\\\");",
                t.transform("%%moe-generate --models fp\nOnce \"upon\"\na\ttime\\"));
        assertEquals(R + "runCell(\"x\", java.util.List.of(), \"\");", t.transform("\n%%x"));
        assertEquals("\"\\001\"", MagicSourceTransformer.literal("\u0001"), "no unicode escapes in literals");
    }

    @Test
    void badQuotingIsAOneLineError() {
        assertEquals("%moe-generate: unterminated \" quote starting at column 2",
                assertThrows(MagicException.class, () -> t.transform("%moe-generate \"open")).getMessage());
    }
}
