package org.moelab.compare;

import org.moelab.mobie.Mobie;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The MoBiE rows {@code compare} can run (mobie.md §5, each component on/off): full MoBiE, the base
 * binarizer alone, full MoBiE without one component, and the base binarizer with one component. All run at
 * MoBiE's own binary budget; the requested bits do not change them.
 */
public final class MobieVariants {

    private static final Map<String, Mobie.Options> VARIANTS = new LinkedHashMap<>();

    static {
        Mobie.Options full = Mobie.Options.defaults();
        VARIANTS.put("mobie", full);
        VARIANTS.put("mobie-base", Mobie.Options.base());
        VARIANTS.put("mobie-no-cejd", full.with(false, true, true));
        VARIANTS.put("mobie-no-glas", full.with(true, false, true));
        VARIANTS.put("mobie-no-nges", full.with(true, true, false));
        VARIANTS.put("mobie-cejd", full.with(true, false, false));
        VARIANTS.put("mobie-glas", full.with(false, true, false));
        VARIANTS.put("mobie-nges", full.with(false, false, true));
    }

    private MobieVariants() {
    }

    /** Every variant name, full MoBiE first. */
    public static List<String> names() {
        return List.copyOf(VARIANTS.keySet());
    }

    public static boolean isMobie(String method) {
        return VARIANTS.containsKey(method);
    }

    /** The options of a variant; an unknown name fails listing the valid ones. */
    public static Mobie.Options options(String method) {
        Mobie.Options o = VARIANTS.get(method);
        if (o == null) throw new IllegalArgumentException("unknown MoBiE variant '" + method + "'; variants: " + String.join(", ", names()));
        return o;
    }

    /** One line for the table's note: which components ran. */
    public static String describe(String method) {
        Mobie.Options o = options(method);
        return "MoBiE " + (o.label().equals("base") ? "base binarizer (BiLLM+ARB)" : "base" + o.label())
                + ", fixed binary budget; requested bits ignored";
    }
}
