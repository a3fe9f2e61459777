package org.moelab.eval;

import java.util.List;

/** A named multiple-choice task (lm-eval task name) and its items in file order. */
public record McTask(String name, List<McItem> items) {

    public McTask {
        items = List.copyOf(items);
    }

    /** The first {@code limit} items; {@code limit <= 0} keeps all. */
    public List<McItem> limited(int limit) {
        return limit > 0 && limit < items.size() ? items.subList(0, limit) : items;
    }
}
