package org.moelab.mobie;

import org.junit.jupiter.api.Test;
import org.moelab.compare.Comparison;
import org.moelab.compare.MobieVariants;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The MoBiE ablation rows of compare: each name switches exactly the components it says. */
class MobieVariantsTest {

    @Test
    void eachNameSwitchesTheComponentsItSays() {
        // {cejd, glas, nges} written out independently of MobieVariants
        Object[][] expected = {
                {"mobie", true, true, true}, {"mobie-base", false, false, false},
                {"mobie-no-cejd", false, true, true}, {"mobie-no-glas", true, false, true}, {"mobie-no-nges", true, true, false},
                {"mobie-cejd", true, false, false}, {"mobie-glas", false, true, false}, {"mobie-nges", false, false, true}};
        Set<String> labels = new HashSet<>();
        for (Object[] e : expected) {
            Mobie.Options o = MobieVariants.options((String) e[0]);
            assertEquals(List.of(e[1], e[2], e[3]), List.of(o.cejd(), o.glas(), o.nges()), (String) e[0]);
            // everything else is the paper's default
            assertEquals(Mobie.Options.defaults().with(o.cejd(), o.glas(), o.nges()), o);
            assertTrue(labels.add(o.label()), "distinct rows: " + o.label());
            assertTrue(Comparison.methods().contains((String) e[0]));
        }
        assertEquals(expected.length, MobieVariants.names().size());
        assertEquals(Mobie.Options.defaults(), MobieVariants.options("mobie"));
    }

    @Test
    void anUnknownVariantListsTheValidOnes() {
        assertFalse(MobieVariants.isMobie("mobie-no-arb"));
        var e = assertThrows(IllegalArgumentException.class, () -> MobieVariants.options("mobie-no-arb"));
        assertTrue(e.getMessage().contains("mobie-no-arb") && e.getMessage().contains("mobie-no-glas"), e.getMessage());
    }
}
