package org.moelab.bitsmoe;

import org.moelab.bitsmoe.allocation.UnitSelector;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A user pin such as {@code layers.0.*=4}, {@code layers.*.down=8} or {@code layers.2.gate.experts.5=16}:
 * every matching spectral component gets exactly that width, whatever the budget says (pins always win).
 * Grammar: {@code layers.(L|*)[.(gate|up|down|*)[.experts.(E|*)]][.*]=B}.
 */
public record PinRule(String text, UnitSelector select, int bits) {

    private static final Pattern RULE = Pattern.compile(
            "layers\\.(\\d+|\\*)(?:\\.(gate|up|down|\\*)(?:\\.experts\\.(\\d+|\\*))?)?(?:\\.\\*)?=(\\d+)");

    public static PinRule parse(String text) {
        Matcher m = RULE.matcher(text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException("cannot read pin '" + text + "': expected layers.L[.gate|up|down[.experts.E]]=B "
                    + "with * for any, e.g. layers.0.*=4 or layers.*.down=8");
        }
        int bits = Integer.parseInt(m.group(4));
        return new PinRule(text, new UnitSelector(number(m.group(1)), any(m.group(2)), number(m.group(3)), null), bits);
    }

    private static Integer number(String s) {
        return s == null || s.equals("*") ? null : Integer.valueOf(s);
    }

    private static String any(String s) {
        return s == null || s.equals("*") ? null : s;
    }
}
