package org.moelab.kernel;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Parses the argument string of a notebook magic, e.g. {@code --bits 2.5 --model tiny --dry-run "a prompt"},
 * into named options and positional arguments.
 *
 * <p>Tokens split on whitespace as in a POSIX shell: single quotes keep everything literally, double
 * quotes allow {@code \"} and {@code \\}, a backslash outside quotes escapes the next character, and
 * adjacent pieces join ({@code --name=a" b"} is one token). A token that opens with a quote or a
 * backslash is never an option, so {@code --prompt "--not-an-option"} works. Options are {@code --name value} or
 * {@code --name=value}; names listed as flags take no value. {@code --} ends the options.
 *
 * <p>Errors are {@link MagicArgumentException}s whose one-line message names the problem and column.
 */
public final class MagicArguments {

    /** A parse error in a magic's argument string; the message is meant to be shown as is. */
    public static final class MagicArgumentException extends IllegalArgumentException {
        public MagicArgumentException(String message) {
            super(message);
        }
    }

    /**
     * The parsed arguments.
     *
     * @param options    option name (without {@code --}) to value, in the order given; flags map to "true"
     * @param positional the remaining arguments, in order
     */
    public record Parsed(Map<String, String> options, List<String> positional) {
        public Parsed {
            options = Collections.unmodifiableMap(new LinkedHashMap<>(options));
            positional = List.copyOf(positional);
        }

        public Optional<String> option(String name) {
            return Optional.ofNullable(options.get(name));
        }

        public boolean flag(String name) {
            return options.containsKey(name);
        }
    }

    /**
     * @param quoted whether the token opens with a quote or escape, so it cannot be an option
     * @param where  where it starts, for messages: "column 7" (a raw line) or "word 3" (pre-split words)
     */
    private record Token(String text, boolean quoted, String where) {
    }

    private final Set<String> flags;

    /** @param flags the option names (without {@code --}) that take no value */
    public MagicArguments(Set<String> flags) {
        this.flags = Set.copyOf(flags);
    }

    public Parsed parse(String line) {
        return parse(tokenize(line == null ? "" : line));
    }

    /**
     * Parses words another parser already split (IJava hands magics a list of words): each word is taken
     * literally, no quote or escape processing; messages count words, not columns.
     */
    public Parsed parseWords(List<String> words) {
        List<Token> tokens = new ArrayList<>(words.size());
        for (int i = 0; i < words.size(); i++) {
            tokens.add(new Token(words.get(i), false, "word " + (i + 1)));
        }
        return parse(tokens);
    }

    /** The words of {@code line}, split and unquoted as described in the class comment. */
    public static List<String> split(String line) {
        return tokenize(line == null ? "" : line).stream().map(Token::text).toList();
    }

    private Parsed parse(List<Token> tokens) {
        Map<String, String> options = new LinkedHashMap<>();
        List<String> positional = new ArrayList<>();
        boolean optionsEnded = false;
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (optionsEnded || t.quoted() || !t.text().startsWith("--")) {
                positional.add(t.text());
                continue;
            }
            if (t.text().equals("--")) {
                optionsEnded = true;
                continue;
            }
            String body = t.text().substring(2);
            int eq = body.indexOf('=');
            String name = eq < 0 ? body : body.substring(0, eq);
            if (name.isEmpty()) {
                throw error(t, "an option needs a name before '='");
            }
            if (options.containsKey(name)) {
                throw error(t, "option --" + name + " is given twice");
            }
            String value;
            if (flags.contains(name)) {
                if (eq >= 0) {
                    throw error(t, "option --" + name + " is a flag and takes no value");
                }
                value = "true";
            } else if (eq >= 0) {
                value = body.substring(eq + 1);
            } else {
                Token next = i + 1 < tokens.size() ? tokens.get(i + 1) : null;
                if (next == null || (!next.quoted() && next.text().startsWith("--"))) {
                    throw error(t, "option --" + name + " needs a value");
                }
                value = next.text();
                i++;
            }
            options.put(name, value);
        }
        return new Parsed(options, positional);
    }

    private static MagicArgumentException error(Token at, String what) {
        return new MagicArgumentException(what + " (" + at.where() + ")");
    }

    /** Splits like a shell; columns are 1-based for messages. */
    private static List<Token> tokenize(String line) {
        List<Token> tokens = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean inToken = false;
        boolean quoted = false;
        int start = 0;
        int i = 0;
        while (i < line.length()) {
            char c = line.charAt(i);
            if (Character.isWhitespace(c)) {
                if (inToken) {
                    tokens.add(new Token(current.toString(), quoted, "column " + (start + 1)));
                    current.setLength(0);
                    inToken = false;
                    quoted = false;
                }
                i++;
                continue;
            }
            if (!inToken) {
                inToken = true;
                start = i;
                quoted = c == '\'' || c == '"' || c == '\\';
            }
            if (c == '\'' || c == '"') {
                int close = c == '\'' ? closeSingle(line, i) : closeDouble(line, i, current);
                if (c == '\'') {
                    current.append(line, i + 1, close);
                }
                i = close + 1;
            } else if (c == '\\') {
                if (i + 1 >= line.length()) {
                    throw new MagicArgumentException("a backslash ends the line (column " + (i + 1) + ")");
                }
                current.append(line.charAt(i + 1));
                i += 2;
            } else {
                current.append(c);
                i++;
            }
        }
        if (inToken) {
            tokens.add(new Token(current.toString(), quoted, "column " + (start + 1)));
        }
        return tokens;
    }

    private static int closeSingle(String line, int open) {
        int close = line.indexOf('\'', open + 1);
        if (close < 0) {
            throw unterminated('\'', open);
        }
        return close;
    }

    /** Appends the unescaped contents of the double-quoted string opening at {@code open}; returns its end. */
    private static int closeDouble(String line, int open, StringBuilder out) {
        for (int i = open + 1; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                return i;
            }
            if (c == '\\' && i + 1 < line.length() && (line.charAt(i + 1) == '"' || line.charAt(i + 1) == '\\')) {
                out.append(line.charAt(++i));
            } else {
                out.append(c);
            }
        }
        throw unterminated('"', open);
    }

    private static MagicArgumentException unterminated(char quote, int open) {
        return new MagicArgumentException("unterminated " + quote + " quote starting at column " + (open + 1));
    }
}
