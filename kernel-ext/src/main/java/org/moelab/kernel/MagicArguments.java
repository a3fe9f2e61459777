package org.moelab.kernel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The argument string of a line magic ({@code --bits 2.5 --model tiny --dry-run "a quoted prompt"})
 * split shell-style into options and positionals. An option followed by another option (or nothing)
 * is a flag. Errors are one line and say what to fix.
 */
public record MagicArguments(Map<String, String> options, List<String> positionals) {

    public static final String FLAG = "true";

    public static MagicArguments parse(String line) {
        List<String> tokens = tokenize(line == null ? "" : line);
        Map<String, String> options = new LinkedHashMap<>();
        List<String> positionals = new ArrayList<>();
        for (int i = 0; i < tokens.size(); i++) {
            String t = tokens.get(i);
            if (t.startsWith("--") && t.length() > 2) {
                String name = t.substring(2);
                String value = FLAG;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                } else if (i + 1 < tokens.size() && !tokens.get(i + 1).startsWith("--")) {
                    value = tokens.get(++i);
                }
                if (options.put(name, value) != null) throw new IllegalArgumentException("--" + name + " is given twice");
            } else {
                positionals.add(t);
            }
        }
        return new MagicArguments(options, positionals);
    }

    /** A required number, with an error naming the option when it is missing or not a number. */
    public double number(String name) {
        String v = options.get(name);
        if (v == null || v.equals(FLAG)) throw new IllegalArgumentException("--" + name + " needs a number");
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " needs a number, got '" + v + "'");
        }
    }

    public boolean flag(String name) {
        return FLAG.equals(options.get(name));
    }

    static List<String> tokenize(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        char quote = 0;
        boolean inToken = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == quote) quote = 0;
                else if (c == '\\' && i + 1 < s.length() && s.charAt(i + 1) == quote) cur.append(s.charAt(++i));
                else cur.append(c);
            } else if (c == '"' || c == '\'') {
                quote = c;
                inToken = true;
            } else if (Character.isWhitespace(c)) {
                if (inToken) out.add(cur.toString());
                cur.setLength(0);
                inToken = false;
            } else {
                cur.append(c);
                inToken = true;
            }
        }
        if (quote != 0) throw new IllegalArgumentException("unterminated " + quote + " quote in: " + s);
        if (inToken) out.add(cur.toString());
        return out;
    }
}
