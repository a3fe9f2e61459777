package org.moelab.eval;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.moelab.TestData;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each loader parses the committed set and builds lm-eval's 0-shot prompt for one real item. */
class EvalSetsTest {

    static Path root;

    @BeforeAll
    static void root() {
        root = TestData.existing(TestData.repo().resolve("data/evalsets"));
    }

    static void assertChoice(McItem item, int i, String context, String continuation) {
        assertEquals(context, item.choices().get(i).context());
        assertEquals(continuation, item.choices().get(i).continuation());
    }

    @Test
    void piqaUsesTheOfficialFilesWithTheirTrailingSpaces() {
        McTask t = EvalSets.load(root, "piqa");
        assertEquals(1838, t.items().size());
        McItem first = t.items().get(0);
        assertEquals(0, first.gold());
        assertChoice(first, 0, "Question: How do I ready a guinea pig cage for it's new occupants?\nAnswer:",
                " Provide the guinea pig with a cage full of a few inches of bedding made of ripped paper strips, you will also need "
                        + "to supply it with a water bottle and a food dish.");
        McItem second = t.items().get(1);
        assertEquals(1, second.gold());
        assertChoice(second, 0, "Question: dresser\nAnswer:", " replace drawer with bobby pin ");
        assertChoice(second, 1, "Question: dresser\nAnswer:", " finish, woodgrain with  bobby pin ");
        assertEquals("finish, woodgrain with  bobby pin ".length(), second.choices().get(1).normLength());
    }

    @Test
    void arcEasyAndChallenge() {
        McTask e = EvalSets.load(root, "arc_easy");
        assertEquals(2376, e.items().size());
        McItem a = e.items().get(0);
        assertEquals(0, a.gold());
        assertEquals(4, a.choices().size());
        assertChoice(a, 0, "Question: Which statement best explains why photosynthesis is the foundation of most food webs?\nAnswer:",
                " Sunlight is the source of energy for nearly all ecosystems.");
        McTask c = EvalSets.load(root, "arc_challenge");
        assertEquals(1172, c.items().size());
        assertEquals(2, c.items().get(0).gold());
        assertChoice(c.items().get(0), 2, "Question: An astronomer observes that a planet rotates faster after a meteorite impact. "
                + "Which is the most likely effect of this increase in rotation?\nAnswer:", " Planetary days will become shorter.");
    }

    @Test
    void openbookqaUsesTheQuestionStem() {
        McTask t = EvalSets.load(root, "openbookqa");
        assertEquals(500, t.items().size());
        McItem a = t.items().get(0);
        assertEquals(1, a.gold());
        assertChoice(a, 1, "A person wants to start saving money so that they can afford a nice vacation at the end of the year. "
                + "After looking over their budget and expenses, they decide the best way to save money is to", " quit eating lunch out");
    }

    @Test
    void winograndeScoresTheSharedSuffix() {
        McTask t = EvalSets.load(root, "winogrande");
        assertEquals(1267, t.items().size());
        McItem a = t.items().get(0);
        assertEquals(1, a.gold());
        assertChoice(a, 0, "Sarah was a much better surgeon than Maria so Sarah", " always got the easier cases.");
        assertChoice(a, 1, "Sarah was a much better surgeon than Maria so Maria", " always got the easier cases.");
    }

    @Test
    void boolqDropsThePassageLabelAndAsksForAnAnswer() {
        McTask t = EvalSets.load(root, "boolq");
        assertEquals(3270, t.items().size());
        McItem a = t.items().get(0);
        assertEquals(0, a.gold());
        String ctx = a.choices().get(0).context();
        assertTrue(ctx.startsWith("All biomass goes through at least some of these steps:"), ctx);
        assertTrue(ctx.endsWith("than producing gasoline.\nQuestion: does ethanol take more energy make that produces?\nAnswer:"), ctx);
        assertEquals(" no", a.choices().get(0).continuation());
        assertEquals(" yes", a.choices().get(1).continuation());
    }

    @Test
    void copaJoinsPremiseAndConnectorAsLmEval() {
        McTask t = EvalSets.load(root, "copa");
        assertEquals(100, t.items().size());
        McItem a = t.items().get(0);
        assertEquals(1, a.gold());
        assertChoice(a, 0, "The man turned on the faucet therefore", " the toilet filled with water.");
        assertChoice(a, 1, "The man turned on the faucet therefore", " water flowed from the spout.");
        assertChoice(t.items().get(3), 0, "I wanted to conserve energy therefore", " i swept the floor in the unoccupied room.");
        assertEquals("The hamburger meat browned because", t.items().get(4).choices().get(0).context());
    }

    @Test
    void mmluBuildsTheDefaultPromptAndInterleavesSubjects() {
        McTask t = EvalSets.load(root, "mmlu");
        assertEquals(14042, t.items().size());
        McItem a = t.items().get(0); // abstract_algebra, question 1
        assertEquals(1, a.gold());
        assertEquals(List.of(" A", " B", " C", " D"), a.choices().stream().map(McItem.Choice::continuation).toList());
        assertEquals("The following are multiple choice questions (with answers) about abstract algebra.\n\n"
                + "Find the degree for the given field extension Q(sqrt(2), sqrt(3), sqrt(18)) over Q.\nA. 0\nB. 4\nC. 2\nD. 6\nAnswer:",
                a.choices().get(0).context());
        McItem b = t.items().get(1); // anatomy, question 1 (quoted CSV fields with commas)
        assertEquals(0, b.gold());
        assertEquals("The following are multiple choice questions (with answers) about anatomy.\n\n"
                + "A lesion causing compression of the facial nerve at the stylomastoid foramen will cause ipsilateral\n"
                + "A. paralysis of the facial muscles.\nB. paralysis of the facial muscles and loss of taste.\n"
                + "C. paralysis of the facial muscles, loss of taste and lacrimation.\n"
                + "D. paralysis of the facial muscles, loss of taste, lacrimation and decreased salivation.\nAnswer:",
                b.choices().get(0).context());
    }

    @Test
    void lambadaTargetsAreSpaceAndLastWord() {
        List<Lambada.Item> items = EvalSets.lambada(root.resolve("lambada_openai"));
        assertEquals(5153, items.size());
        assertTrue(items.get(0).context().endsWith("his mouth curved in a confident grin, I don't care about"));
        assertEquals(" signs", items.get(0).target());
    }
}
