package org.moelab.kernel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The declared arguments of one magic: typed options with defaults and help, an optional free-text
 * positional part (a prompt) and an optional cell body. {@link #parse} checks every word against the
 * declaration and fails with a one-line {@link MagicException} naming the magic, option and value;
 * {@link #help} prints the usage that {@code --help} shows.
 */
public final class MagicSchema {

    public enum Type { TEXT, INT, NUMBER, FLAG, CHOICE, LIST }

    /**
     * @param metavar      the value's placeholder in the usage line ("B", "M"); unused for flags
     * @param defaultValue shown in the help and returned when the option is absent; null = no default
     * @param min          lower bound for INT and NUMBER (inclusive), or null
     * @param max          upper bound for INT and NUMBER (inclusive), or null
     */
    public record Option(String name, Type type, String metavar, String defaultValue, List<String> choices, Double min,
                         Double max, String help) {
    }

    private final String name;
    private final String summary;
    private final Map<String, Option> options;
    private final String positional;
    private final String positionalHelp;
    private final String body;
    private final List<String> examples;
    private final MagicArguments parser;

    private MagicSchema(Builder b) {
        this.name = b.name;
        this.summary = b.summary;
        this.options = new LinkedHashMap<>(b.options);
        this.options.put("help", new Option("help", Type.FLAG, null, null, List.of(), null, null, "show this help"));
        this.positional = b.positional;
        this.positionalHelp = b.positionalHelp;
        this.body = b.body;
        this.examples = List.copyOf(b.examples);
        Set<String> flags = new LinkedHashSet<>();
        options.values().stream().filter(o -> o.type() == Type.FLAG).forEach(o -> flags.add(o.name()));
        this.parser = new MagicArguments(flags);
    }

    public static Builder builder(String name, String summary) {
        return new Builder(name, summary);
    }

    public String name() {
        return name;
    }

    public boolean acceptsBody() {
        return body != null;
    }

    /** Parses a raw argument line (shell-like quoting). */
    public Args parse(String line) {
        try {
            return check(parser.parse(line));
        } catch (MagicArguments.MagicArgumentException e) {
            throw fail(e.getMessage());
        }
    }

    /** Parses words a kernel already split. */
    public Args parseWords(List<String> words) {
        try {
            return check(parser.parseWords(words));
        } catch (MagicArguments.MagicArgumentException e) {
            throw fail(e.getMessage());
        }
    }

    private Args check(MagicArguments.Parsed p) {
        Map<String, Object> values = new LinkedHashMap<>();
        if (p.flag("help")) return new Args(this, Map.of("help", true), p.positional(), true); // help, whatever else is wrong
        for (var e : p.options().entrySet()) {
            Option o = options.get(e.getKey());
            if (o == null) {
                throw fail("unknown option --" + e.getKey() + " (options: "
                        + String.join(", ", options.keySet().stream().map(n -> "--" + n).toList()) + ")");
            }
            values.put(o.name(), convert(o, e.getValue()));
        }
        if (positional == null && !p.positional().isEmpty()) {
            throw fail("unexpected argument '" + p.positional().get(0) + "' (this magic takes only options; see --help)");
        }
        for (Option o : options.values()) {
            if (!values.containsKey(o.name()) && o.defaultValue() != null) values.put(o.name(), convert(o, o.defaultValue()));
        }
        return new Args(this, values, p.positional(), false);
    }

    private Object convert(Option o, String v) {
        String opt = "--" + o.name();
        return switch (o.type()) {
            case FLAG -> Boolean.TRUE;
            case TEXT -> {
                if (v.isBlank()) throw fail(opt + " needs a non-empty value");
                yield v;
            }
            case INT -> {
                long x;
                try {
                    x = Long.parseLong(v.strip());
                } catch (NumberFormatException e) {
                    throw fail(opt + " expects a whole number, got '" + v + "'");
                }
                bounds(o, x);
                yield (int) x;
            }
            case NUMBER -> {
                double x;
                try {
                    x = Double.parseDouble(v.strip());
                } catch (NumberFormatException e) {
                    throw fail(opt + " expects a number, got '" + v + "'");
                }
                if (!Double.isFinite(x)) throw fail(opt + " expects a finite number, got '" + v + "'");
                bounds(o, x);
                yield x;
            }
            case CHOICE -> {
                String c = v.strip().toLowerCase(Locale.ROOT);
                if (!o.choices().contains(c)) {
                    throw fail(opt + " expects one of " + String.join(", ", o.choices()) + "; got '" + v + "'");
                }
                yield c;
            }
            case LIST -> {
                List<String> items = new ArrayList<>();
                for (String s : v.split(",")) {
                    if (!s.isBlank()) items.add(s.strip());
                }
                if (items.isEmpty()) throw fail(opt + " expects a comma-separated list, got '" + v + "'");
                yield List.copyOf(items);
            }
        };
    }

    private void bounds(Option o, double x) {
        if ((o.min() != null && x < o.min()) || (o.max() != null && x > o.max())) {
            throw fail("--" + o.name() + " must be in [" + num(o.min()) + ", " + num(o.max()) + "], got " + num(x));
        }
    }

    private static String num(Double d) {
        if (d == null) return "…";
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString(d.longValue()) : d.toString();
    }

    /** A one-line error that names this magic. */
    public MagicException fail(String message) {
        return new MagicException("%" + name + ": " + message);
    }

    /** The usage line, summary, options with defaults, and examples. */
    public String help() {
        StringBuilder usage = new StringBuilder("%" + name);
        for (Option o : options.values()) {
            if (o.name().equals("help")) continue;
            usage.append(" [--").append(o.name());
            if (o.type() == Type.CHOICE) usage.append(' ').append(String.join("|", o.choices()));
            else if (o.type() != Type.FLAG) usage.append(' ').append(o.metavar());
            usage.append(']');
        }
        if (positional != null) usage.append(" [").append(positional).append(']');
        StringBuilder sb = new StringBuilder(usage).append('\n');
        if (body != null) sb.append("%%").append(name).append(" [options]\\n<").append(body).append(">\n");
        sb.append('\n').append(summary).append("\n\n");
        int width = 0;
        List<String[]> rows = new ArrayList<>();
        for (Option o : options.values()) {
            String left = "--" + o.name() + (o.type() == Type.FLAG ? "" : " " + (o.type() == Type.CHOICE ? "X" : o.metavar()));
            StringBuilder right = new StringBuilder(o.help());
            if (o.type() == Type.CHOICE) right.append(" (one of ").append(String.join(", ", o.choices())).append(')');
            if (o.min() != null || o.max() != null) right.append(" [").append(num(o.min())).append(", ").append(num(o.max())).append(']');
            if (o.defaultValue() != null) right.append("; default ").append(o.defaultValue());
            rows.add(new String[] {left, right.toString()});
            width = Math.max(width, left.length());
        }
        if (positional != null) {
            rows.add(new String[] {positional, positionalHelp});
            width = Math.max(width, positional.length());
        }
        for (String[] r : rows) sb.append("  ").append(String.format("%-" + width + "s", r[0])).append("  ").append(r[1]).append('\n');
        if (!examples.isEmpty()) {
            sb.append("\nExamples:\n");
            examples.forEach(e -> sb.append("  ").append(e).append('\n'));
        }
        return sb.toString();
    }

    /** Typed values of one invocation; absent options without a default read as null / false / empty. */
    public record Args(MagicSchema schema, Map<String, Object> values, List<String> positional, boolean help) {

        public Args {
            values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
            positional = List.copyOf(positional);
        }

        private Object get(String name, Type type) {
            Option o = schema.options.get(name);
            if (o == null || (o.type() != type && !(type == Type.TEXT && o.type() == Type.CHOICE))) {
                throw new IllegalArgumentException("%" + schema.name + " declares no " + type + " option --" + name);
            }
            return values.get(name);
        }

        public boolean has(String name) {
            return values.containsKey(name);
        }

        public String text(String name) {
            return (String) get(name, Type.TEXT);
        }

        public Optional<String> optionalText(String name) {
            return Optional.ofNullable(text(name));
        }

        public Integer integer(String name) {
            return (Integer) get(name, Type.INT);
        }

        public Double number(String name) {
            return (Double) get(name, Type.NUMBER);
        }

        public boolean flag(String name) {
            return get(name, Type.FLAG) != null;
        }

        @SuppressWarnings("unchecked")
        public List<String> list(String name) {
            Object v = get(name, Type.LIST);
            return v == null ? List.of() : (List<String>) v;
        }

        /** The positional words joined by single spaces (a prompt given on the magic's line). */
        public String rest() {
            return String.join(" ", positional);
        }
    }

    public static final class Builder {
        private final String name;
        private final String summary;
        private final Map<String, Option> options = new LinkedHashMap<>();
        private String positional;
        private String positionalHelp;
        private String body;
        private final List<String> examples = new ArrayList<>();

        private Builder(String name, String summary) {
            this.name = name;
            this.summary = summary;
        }

        private Builder add(Option o) {
            if (options.put(o.name(), o) != null || o.name().equals("help")) {
                throw new IllegalArgumentException("option --" + o.name() + " declared twice");
            }
            return this;
        }

        public Builder text(String name, String metavar, String def, String help) {
            return add(new Option(name, Type.TEXT, metavar, def, List.of(), null, null, help));
        }

        public Builder integer(String name, String metavar, Integer def, int min, int max, String help) {
            return add(new Option(name, Type.INT, metavar, def == null ? null : def.toString(), List.of(), (double) min, (double) max, help));
        }

        public Builder number(String name, String metavar, Double def, double min, double max, String help) {
            return add(new Option(name, Type.NUMBER, metavar, def == null ? null : num(def), List.of(), min, max, help));
        }

        public Builder flag(String name, String help) {
            return add(new Option(name, Type.FLAG, null, null, List.of(), null, null, help));
        }

        public Builder choice(String name, String def, String help, String... choices) {
            return add(new Option(name, Type.CHOICE, null, def, List.of(choices), null, null, help));
        }

        public Builder list(String name, String metavar, String def, String help) {
            return add(new Option(name, Type.LIST, metavar, def, List.of(), null, null, help));
        }

        public Builder positional(String metavar, String help) {
            this.positional = metavar;
            this.positionalHelp = help;
            return this;
        }

        /** The magic also works as a cell magic ({@code %%name}); the body is described by {@code what}. */
        public Builder body(String what) {
            this.body = what;
            return this;
        }

        public Builder example(String line) {
            examples.add(line);
            return this;
        }

        public MagicSchema build() {
            return new MagicSchema(this);
        }
    }
}
