package org.moelab.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Loaders for the zero-shot sets under {@code data/evalsets/<task>/} (see each SOURCE.txt), each turned
 * into lm-evaluation-harness 0.4's 0-shot prompt for that task. Folder names are the lm-eval task names.
 */
public final class EvalSets {

    public static final String PIQA = "piqa";
    public static final String ARC_EASY = "arc_easy";
    public static final String ARC_CHALLENGE = "arc_challenge";
    public static final String OPENBOOKQA = "openbookqa";
    public static final String WINOGRANDE = "winogrande";
    public static final String BOOLQ = "boolq";
    public static final String COPA = "copa";
    public static final String MMLU = "mmlu";

    /** The multiple-choice tasks, in report order. */
    public static final List<String> MULTIPLE_CHOICE = List.of(PIQA, ARC_EASY, ARC_CHALLENGE, OPENBOOKQA, WINOGRANDE,
            BOOLQ, COPA, MMLU);
    /** Every task, LAMBADA last. */
    public static final List<String> ALL = Stream.concat(MULTIPLE_CHOICE.stream(), Stream.of(Lambada.TASK)).toList();

    private static final ObjectMapper JSON = new ObjectMapper();

    private EvalSets() {
    }

    /** A multiple-choice task by its lm-eval name, from {@code root/<name>/}. */
    public static McTask load(Path root, String task) {
        Path dir = root.resolve(task);
        return switch (task) {
            case PIQA -> piqa(dir);
            case ARC_EASY, ARC_CHALLENGE -> arc(dir, task);
            case OPENBOOKQA -> openbookqa(dir);
            case WINOGRANDE -> winogrande(dir);
            case BOOLQ -> boolq(dir);
            case COPA -> copa(dir);
            case MMLU -> mmlu(dir);
            default -> throw new IllegalArgumentException("unknown multiple-choice task '" + task + "'; known: " + MULTIPLE_CHOICE);
        };
    }

    /** Official PIQA validation: "Question: {goal}\nAnswer:", choices sol1/sol2 as written, labels from valid-labels.lst. */
    public static McTask piqa(Path dir) {
        List<JsonNode> rows = jsonl(dir.resolve("valid.jsonl"));
        List<String> labels = lines(dir.resolve("valid-labels.lst"));
        if (labels.size() != rows.size()) {
            throw new IllegalArgumentException(dir + ": " + rows.size() + " items but " + labels.size() + " labels");
        }
        List<McItem> items = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            JsonNode r = rows.get(i);
            items.add(McItem.of("Question: " + text(r, "goal") + "\nAnswer:", List.of(text(r, "sol1"), text(r, "sol2")),
                    Integer.parseInt(labels.get(i).strip())));
        }
        return new McTask(PIQA, items);
    }

    /** ARC (llm-foundry copy, query "Question: ..."): "Question: {q}\nAnswer:", choices as given. */
    public static McTask arc(Path dir, String name) {
        List<McItem> items = new ArrayList<>();
        for (JsonNode r : jsonl(dir.resolve(name + ".jsonl"))) {
            items.add(McItem.of(text(r, "query") + "\nAnswer:", strings(r, "choices"), gold(r)));
        }
        return new McTask(name, items);
    }

    /** OpenBookQA: the question stem as context. */
    public static McTask openbookqa(Path dir) {
        List<McItem> items = new ArrayList<>();
        for (JsonNode r : jsonl(dir.resolve("openbook_qa.jsonl"))) items.add(McItem.of(text(r, "query"), strings(r, "choices"), gold(r)));
        return new McTask(OPENBOOKQA, items);
    }

    /** WinoGrande, partial scoring: each option substituted sentence prefix is a context for the shared suffix. */
    public static McTask winogrande(Path dir) {
        List<McItem> items = new ArrayList<>();
        for (JsonNode r : jsonl(dir.resolve("winogrande.jsonl"))) {
            items.add(McItem.partial(strings(r, "context_options"), text(r, "continuation"), gold(r)));
        }
        return new McTask(WINOGRANDE, items);
    }

    /** BoolQ: "{passage}\nQuestion: {question}?\nAnswer:", choices no/yes. */
    public static McTask boolq(Path dir) {
        List<McItem> items = new ArrayList<>();
        for (JsonNode r : jsonl(dir.resolve("boolq.jsonl"))) {
            String q = text(r, "query");
            if (!q.startsWith("Passage: ")) throw new IllegalArgumentException(dir + ": BoolQ query without 'Passage: '");
            items.add(McItem.of(q.substring("Passage: ".length()) + "\nAnswer:", strings(r, "choices"), gold(r)));
        }
        return new McTask(BOOLQ, items);
    }

    /** COPA: "{premise without period} because|therefore" (the copy's comma dropped), choices lower-cased first letter. */
    public static McTask copa(Path dir) {
        List<McItem> items = new ArrayList<>();
        for (JsonNode r : jsonl(dir.resolve("copa.jsonl"))) {
            String q = text(r, "query");
            for (String connector : List.of("because", "therefore")) {
                if (q.endsWith(", " + connector)) q = q.substring(0, q.length() - connector.length() - 2) + " " + connector;
            }
            if (!q.endsWith(" because") && !q.endsWith(" therefore")) {
                throw new IllegalArgumentException(dir + ": COPA query not ending in because/therefore: " + q);
            }
            List<String> choices = new ArrayList<>();
            for (String c : strings(r, "choices")) choices.add(c.isEmpty() ? c : Character.toLowerCase(c.charAt(0)) + c.substring(1));
            items.add(McItem.of(q, choices, gold(r)));
        }
        return new McTask(COPA, items);
    }

    /**
     * MMLU test, 0-shot lm-eval default prompt with the per-subject description; choices " A".." D". Items
     * are interleaved round-robin over the subjects (sorted by name), so a --limit prefix covers every subject.
     */
    public static McTask mmlu(Path dir) {
        Path test = dir.resolve("test");
        List<Path> files;
        try (Stream<Path> s = Files.list(test)) {
            files = s.filter(p -> p.getFileName().toString().endsWith("_test.csv")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + test + ": " + e.getMessage(), e);
        }
        if (files.isEmpty()) throw new IllegalArgumentException("no <subject>_test.csv files in " + test);
        List<List<McItem>> perSubject = new ArrayList<>();
        for (Path f : files) perSubject.add(mmluSubject(f));
        List<McItem> items = new ArrayList<>();
        for (int i = 0; ; i++) {
            boolean any = false;
            for (List<McItem> s : perSubject) {
                if (i < s.size()) {
                    items.add(s.get(i));
                    any = true;
                }
            }
            if (!any) break;
        }
        return new McTask(MMLU, items);
    }

    /** One {@code <subject>_test.csv} (header question,choice0..3,answer) in file order. */
    public static List<McItem> mmluSubject(Path file) {
        String name = file.getFileName().toString();
        String subject = name.substring(0, name.length() - "_test.csv".length()).replace('_', ' ');
        String description = "The following are multiple choice questions (with answers) about " + subject + ".\n\n";
        List<List<String>> rows = Csv.parse(read(file));
        if (rows.isEmpty() || !rows.get(0).get(0).equals("question")) {
            throw new IllegalArgumentException(file + ": expected a header row question,choice0,...,answer");
        }
        List<McItem> items = new ArrayList<>();
        for (List<String> r : rows.subList(1, rows.size())) {
            if (r.size() != 6) throw new IllegalArgumentException(file + ": a row has " + r.size() + " fields, expected 6");
            String prompt = description + r.get(0).strip() + "\nA. " + r.get(1) + "\nB. " + r.get(2) + "\nC. " + r.get(3)
                    + "\nD. " + r.get(4) + "\nAnswer:";
            items.add(McItem.of(prompt, List.of("A", "B", "C", "D"), Integer.parseInt(r.get(5).strip())));
        }
        return items;
    }

    /** LAMBADA (OpenAI): context as given, target {@code " " + continuation}. */
    public static List<Lambada.Item> lambada(Path dir) {
        List<Lambada.Item> items = new ArrayList<>();
        for (JsonNode r : jsonl(dir.resolve("lambada_openai.jsonl"))) items.add(new Lambada.Item(text(r, "context"), " " + text(r, "continuation")));
        return items;
    }

    private static List<JsonNode> jsonl(Path file) {
        List<JsonNode> out = new ArrayList<>();
        int lineNo = 0;
        for (String line : lines(file)) {
            lineNo++;
            if (line.isBlank()) continue;
            try {
                out.add(JSON.readTree(line));
            } catch (IOException e) {
                throw new IllegalArgumentException(file + ":" + lineNo + ": not JSON: " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static List<String> lines(Path file) {
        return read(file).lines().toList();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode r, String field) {
        JsonNode v = r.get(field);
        if (v == null || !v.isTextual()) throw new IllegalArgumentException("missing text field '" + field + "' in " + r);
        return v.asText();
    }

    private static List<String> strings(JsonNode r, String field) {
        JsonNode v = r.get(field);
        if (v == null || !v.isArray()) throw new IllegalArgumentException("missing array field '" + field + "' in " + r);
        List<String> out = new ArrayList<>();
        v.forEach(x -> out.add(x.asText()));
        return out;
    }

    private static int gold(JsonNode r) {
        JsonNode v = r.get("gold");
        if (v == null || !v.canConvertToInt()) throw new IllegalArgumentException("missing integer 'gold' in " + r);
        return v.asInt();
    }
}
