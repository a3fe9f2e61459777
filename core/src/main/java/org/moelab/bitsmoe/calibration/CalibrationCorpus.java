package org.moelab.bitsmoe.calibration;

import org.moelab.tokenizer.MoeTokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Draws calibration sequences straight from text files without tokenizing whole corpora (which takes
 * seconds per megabyte): each sequence starts at a seeded random line start in the first
 * {@code 1 − excludeTail} of a file (files weighted by size) and is tokenized from there until it has
 * {@code length} tokens. The default files are the training corpora in {@code data/corpora}; the
 * evaluation sets are never used.
 */
public final class CalibrationCorpus {

    /** The training corpora of the teaching model, relative to the repository root. */
    public static final List<String> DEFAULT_FILES = List.of("data/corpora/brown.txt", "data/corpora/sotu.txt",
            "data/corpora/moby-dick.txt");

    private CalibrationCorpus() {
    }

    /** {@link #DEFAULT_FILES} under a repository root. */
    public static List<Path> defaultFiles(Path repoRoot) {
        return DEFAULT_FILES.stream().map(repoRoot::resolve).toList();
    }

    /** Sequences from the head of each corpus, its last {@code excludeTail} fraction kept out (for held-out checks). */
    public static CalibrationSet sample(MoeTokenizer tokenizer, List<Path> files, int count, int length, long seed,
                                        double excludeTail) {
        return sample(tokenizer, files, count, length, seed, excludeTail, false);
    }

    /** Sequences from only the last {@code tail} fraction of each corpus: text calibration never saw. */
    public static CalibrationSet heldOut(MoeTokenizer tokenizer, List<Path> files, int count, int length, long seed, double tail) {
        if (!(tail > 0 && tail < 1)) throw new IllegalArgumentException("tail must be in (0, 1)");
        return sample(tokenizer, files, count, length, seed, tail, true);
    }

    private static CalibrationSet sample(MoeTokenizer tokenizer, List<Path> files, int count, int length, long seed,
                                         double excludeTail, boolean tailOnly) {
        if (count < 1 || length < 2) throw new IllegalArgumentException("calibration needs >= 1 sequence of >= 2 tokens, got "
                + count + " x " + length);
        if (!(excludeTail >= 0 && excludeTail < 1)) throw new IllegalArgumentException("excludeTail must be in [0, 1)");
        List<String> texts = new ArrayList<>();
        long total = 0;
        for (Path f : files) {
            try {
                String s = Files.readString(f);
                int cut = (int) (s.length() * (1 - excludeTail));
                texts.add(tailOnly ? s.substring(cut) : s.substring(0, cut));
                total += texts.getLast().length();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read calibration corpus " + f + ": " + e.getMessage(), e);
            }
        }
        if (total == 0) throw new IllegalArgumentException("calibration corpora are empty: " + files);
        SplittableRandom rnd = new SplittableRandom(seed);
        int[][] seqs = new int[count][];
        for (int i = 0; i < count; i++) {
            long pick = rnd.nextLong(total);
            int file = 0;
            while (pick >= texts.get(file).length()) pick -= texts.get(file++).length();
            seqs[i] = tokensFrom(tokenizer, texts.get(file), (int) pick, length, files.get(file));
        }
        StringBuilder name = new StringBuilder();
        for (Path f : files) name.append(name.isEmpty() ? "" : "+").append(f.getFileName().toString().replace(".txt", ""));
        if (tailOnly) name.append(" (held-out tail)");
        return new CalibrationSet(name.toString(), seed, seqs, CalibrationSet.hash(seqs));
    }

    private static int[] tokensFrom(MoeTokenizer tok, String text, int at, int length, Path file) {
        int start = text.lastIndexOf('\n', at) + 1;
        int chars = length * 8;
        while (true) {
            int end = Math.min(text.length(), start + chars);
            int[] ids = tok.encode(text.substring(start, end));
            if (ids.length > length) return java.util.Arrays.copyOf(ids, length);
            if (end == text.length()) {
                if (start == 0) {
                    throw new IllegalArgumentException("calibration corpus " + file + " has fewer than " + length + " tokens");
                }
                start = Math.max(0, start - chars); // near the end: move back rather than fail
            }
            chars *= 2;
        }
    }
}
