package org.moelab.kernel.jshell;

import org.moelab.kernel.MagicArguments;
import org.moelab.kernel.MagicException;

import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites magics in a cell into Java calls of {@link org.moelab.kernel.KernelRuntime}:
 * <ul>
 *   <li>{@code %%name args} on the first line: the whole cell is the magic, the rest its body;</li>
 *   <li>{@code %name args} alone on a line: a statement (the magic shows its own outputs);</li>
 *   <li>{@code var x = %name args}: an expression cast to the magic's result type, so {@code x} is typed.</li>
 * </ul>
 * Arguments are split shell-like ({@link MagicArguments#split}) here, once, and passed as Java string literals.
 */
public final class MagicSourceTransformer {

    private static final String RUNTIME = "org.moelab.kernel.KernelRuntime";
    private static final Pattern CELL = Pattern.compile("\\A\\s*%%(?<name>[A-Za-z][\\w.-]*)(?<args>[^\\n]*)(?:\\n(?<body>[\\s\\S]*))?\\z");
    /** A magic at the start of a line, or right after an assignment's '=' (not ==, <=, >=, !=, +=, ...). */
    private static final Pattern LINE = Pattern.compile(
            "^(?<indent>[ \\t]*)(?<prefix>[^%\"'\\n=/]*(?<![=<>!+\\-*/&|^%])=[ \\t]*)?%(?<name>[A-Za-z][\\w.-]*)(?<args>[^\\n]*)$",
            Pattern.MULTILINE);

    private final Function<String, Class<?>> resultTypes;

    /** @param resultTypes a magic's result type (for the cast of {@code var x = %name}), or null when unknown */
    public MagicSourceTransformer(Function<String, Class<?>> resultTypes) {
        this.resultTypes = resultTypes;
    }

    public String transform(String cell) {
        Matcher c = CELL.matcher(cell);
        if (c.matches()) {
            String body = c.group("body") == null ? "" : c.group("body");
            return RUNTIME + ".runCell(" + literal(c.group("name")) + ", " + words(c.group("name"), c.group("args")) + ", " + literal(body) + ");";
        }
        Matcher m = LINE.matcher(cell);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group("name");
            String args = m.group("args");
            String replacement;
            if (m.group("prefix") == null) {
                replacement = m.group("indent") + RUNTIME + ".runLine(" + literal(name) + ", " + words(name, args) + ");";
            } else {
                args = args.replaceFirst(";\\s*$", "");
                Class<?> type = resultTypes.apply(name);
                String cast = type == null || type == Object.class ? "" : "(" + type.getCanonicalName() + ") ";
                replacement = m.group("indent") + m.group("prefix") + cast + RUNTIME + ".lineMagic(" + literal(name) + ", " + words(name, args) + ");";
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String words(String name, String args) {
        List<String> w;
        try {
            w = MagicArguments.split(args);
        } catch (MagicArguments.MagicArgumentException e) {
            throw new MagicException("%" + name + ": " + e.getMessage());
        }
        StringBuilder sb = new StringBuilder("java.util.List.of(");
        for (int i = 0; i < w.size(); i++) {
            if (i > 0) sb.append(", ");
            sb.append(literal(w.get(i)));
        }
        return sb.append(')').toString();
    }

    /** A Java string literal; never a unicode escape (javac would decode it before lexing). */
    static String literal(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (ch < 0x20) sb.append(String.format("\\%03o", (int) ch));
                    else sb.append(ch);
                }
            }
        }
        return sb.append('"').toString();
    }
}
