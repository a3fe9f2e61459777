package org.moelab.bitsmoe.allocation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Per-layer / per-projection / per-expert views of a plan, for notebook tables and logs. Averages are
 * payload bits per unit element (Σ n_u·b_u / Σ n_u) of the group.
 */
public final class AllocationSummary {

    /**
     * One group of units.
     *
     * @param projection null in the per-layer view
     * @param expert     null in the per-layer and per-projection views
     */
    public record Group(int layer, String projection, Integer expert, int units, long elements, double averageBits,
                        SortedMap<Integer, Integer> histogram) {
    }

    private AllocationSummary() {
    }

    public static List<Group> byLayer(AllocationProblem problem, AllocationPlan plan) {
        return group(problem, plan, id -> new UnitId(id.layer(), null, -1, -1));
    }

    public static List<Group> byProjection(AllocationProblem problem, AllocationPlan plan) {
        return group(problem, plan, id -> new UnitId(id.layer(), id.projection(), -1, -1));
    }

    public static List<Group> byExpert(AllocationProblem problem, AllocationPlan plan) {
        return group(problem, plan, id -> new UnitId(id.layer(), id.projection(), id.expert(), -1));
    }

    private static List<Group> group(AllocationProblem problem, AllocationPlan plan, Function<UnitId, UnitId> key) {
        if (plan.units() != problem.units()) {
            throw new IllegalArgumentException("plan has " + plan.units() + " units, problem " + problem.units());
        }
        Map<UnitId, long[]> sums = new LinkedHashMap<>(); // units, elements, Σ n·b
        Map<UnitId, TreeMap<Integer, Integer>> hist = new LinkedHashMap<>();
        for (int u = 0; u < problem.units(); u++) {
            UnitId k = key.apply(problem.ids().get(u));
            long n = problem.sizes()[u];
            int b = plan.bits(u);
            long[] s = sums.computeIfAbsent(k, x -> new long[3]);
            s[0]++;
            s[1] += n;
            s[2] += n * b;
            hist.computeIfAbsent(k, x -> new TreeMap<>()).merge(b, 1, Integer::sum);
        }
        List<Group> out = new ArrayList<>(sums.size());
        for (Map.Entry<UnitId, long[]> e : sums.entrySet()) {
            UnitId k = e.getKey();
            long[] s = e.getValue();
            out.add(new Group(k.layer(), k.projection(), k.expert() < 0 ? null : k.expert(), (int) s[0], s[1],
                    (double) s[2] / s[1], hist.get(k)));
        }
        return out;
    }

    /** A plain-text table (layer, projection, expert, units, average bits, histogram). */
    public static String table(List<Group> groups) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-6s %-10s %-6s %8s %8s  %s%n",
                "layer", "projection", "expert", "units", "avg bits", "width:count"));
        for (Group g : groups) {
            sb.append(String.format(Locale.ROOT, "%-6d %-10s %-6s %8d %8.4f  %s%n", g.layer(),
                    g.projection() == null ? "*" : g.projection(), g.expert() == null ? "*" : g.expert().toString(),
                    g.units(), g.averageBits(), g.histogram()));
        }
        return sb.toString();
    }
}
