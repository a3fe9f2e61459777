package org.moelab.bitsmoe.calibration;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Calibration sequences: {@code count} windows of {@code length} tokens drawn with a fixed seed from
 * token streams (the training corpora, never evaluation text). The tail fraction of each stream is
 * never drawn from, because held-out validation text (the teaching model's val.txt) sits at the end
 * of its training stream. The hash identifies the exact tokens, so a plan or artifact records what it
 * was calibrated on and a resume can refuse a different set.
 *
 * @param sequences (count, length) token ids
 */
public record CalibrationSet(String name, long seed, int[][] sequences, String sha256) {

    /** Draws {@code count × length} tokens uniformly over the usable part of the given streams. */
    public static CalibrationSet sample(String name, List<int[]> streams, int count, int length, long seed,
                                        double excludeTail) {
        if (count < 1 || length < 2) throw new IllegalArgumentException("calibration needs >= 1 sequence of >= 2 tokens");
        List<int[]> usable = new ArrayList<>();
        long total = 0;
        for (int[] s : streams) {
            int end = (int) Math.floor(s.length * (1 - excludeTail));
            if (end >= length) {
                usable.add(java.util.Arrays.copyOf(s, end));
                total += end - length + 1;
            }
        }
        if (usable.isEmpty()) {
            throw new IllegalArgumentException("calibration corpora are shorter than one sequence of " + length + " tokens");
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        int[][] seqs = new int[count][];
        for (int i = 0; i < count; i++) {
            long pick = rnd.nextLong(total);
            for (int[] s : usable) {
                long starts = s.length - length + 1;
                if (pick < starts) {
                    seqs[i] = java.util.Arrays.copyOfRange(s, (int) pick, (int) pick + length);
                    break;
                }
                pick -= starts;
            }
        }
        return new CalibrationSet(name, seed, seqs, hash(seqs));
    }

    public int tokens() {
        int n = 0;
        for (int[] s : sequences) n += s.length;
        return n;
    }

    public static String hash(int[][] seqs) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer b = ByteBuffer.allocate(4);
            for (int[] s : seqs) {
                for (int t : s) {
                    b.clear();
                    md.update(b.putInt(t).array());
                }
                md.update((byte) 0xFF);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
