package org.moelab.eval;

import org.moelab.Progress;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Runs zero-shot tasks by lm-eval name from a {@code data/evalsets} root. */
public final class ZeroShot {

    private ZeroShot() {
    }

    /**
     * Parses a comma list of task names; "all" (or empty) is {@link EvalSets#ALL}, "none" is no task,
     * "lambada" is an alias of {@code lambada_openai}. Order follows {@link EvalSets#ALL}.
     */
    public static List<String> parseTasks(String spec) {
        if (spec == null || spec.isBlank() || spec.strip().equalsIgnoreCase("all")) return EvalSets.ALL;
        if (spec.strip().equalsIgnoreCase("none")) return List.of();
        Set<String> wanted = new LinkedHashSet<>();
        for (String t : spec.split(",")) {
            String name = t.strip().toLowerCase(java.util.Locale.ROOT);
            if (name.isEmpty()) continue;
            if (name.equals("lambada")) name = Lambada.TASK;
            if (name.equals("arc-easy") || name.equals("arc_e")) name = EvalSets.ARC_EASY;
            if (name.equals("arc-challenge") || name.equals("arc_c")) name = EvalSets.ARC_CHALLENGE;
            if (name.equals("obqa")) name = EvalSets.OPENBOOKQA;
            if (!EvalSets.ALL.contains(name)) {
                throw new IllegalArgumentException("unknown task '" + t.strip() + "'; known: " + String.join(",", EvalSets.ALL));
            }
            wanted.add(name);
        }
        return EvalSets.ALL.stream().filter(wanted::contains).toList();
    }

    /** Each task's result, in the given order; {@code limit <= 0} means every item. */
    public static List<TaskResult> run(Path root, List<String> tasks, LoglikelihoodScorer scorer, int limit, Progress progress) {
        List<TaskResult> out = new ArrayList<>();
        for (String t : tasks) {
            if (t.equals(Lambada.TASK)) {
                out.add(Lambada.evaluate(EvalSets.lambada(root.resolve(Lambada.TASK)), scorer, limit, progress));
            } else {
                out.add(MultipleChoice.evaluate(EvalSets.load(root, t), scorer, limit, progress));
            }
        }
        return out;
    }
}
