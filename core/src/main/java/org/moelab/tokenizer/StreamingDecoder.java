package org.moelab.tokenizer;

import java.util.Arrays;

/**
 * Turns generated token ids into text as they arrive.
 *
 * <p>A byte-level BPE token can end in the middle of a UTF-8 character (an emoji or a CJK character is
 * often split over two or three tokens), and decoding such a prefix yields U+FFFD where the character will
 * be. So each step decodes all ids so far and hands out only what lies beyond the text already handed
 * out, holding back trailing U+FFFD until a later token completes the character or {@link #finish()} says
 * there is none. Decoding everything again costs O(n) per token, which is nothing next to a forward pass,
 * and relies only on the decode of a prefix being a prefix of the decode (true for byte-level BPE and
 * SentencePiece decoders, which is what the MoE models use).
 *
 * <p>Not thread-safe; one per generated sequence.
 */
public final class StreamingDecoder {

    private static final char REPLACEMENT = '\uFFFD';

    private final MoeTokenizer tokenizer;
    private int[] ids = new int[64];
    private int count;
    /** Length of the decoded text already handed out. */
    private int emitted;

    public StreamingDecoder(MoeTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Adds one token and returns the text it completes, possibly empty. */
    public String accept(int id) {
        if (count == ids.length) ids = Arrays.copyOf(ids, 2 * count);
        ids[count++] = id;
        String text = tokenizer.decode(Arrays.copyOf(ids, count));
        int end = text.length();
        while (end > emitted && text.charAt(end - 1) == REPLACEMENT) end--;
        return take(text, end);
    }

    /** Hands out whatever was held back: at the end of a sequence a trailing U+FFFD is real. */
    public String finish() {
        String text = tokenizer.decode(Arrays.copyOf(ids, count));
        return take(text, text.length());
    }

    /** The number of tokens accepted so far. */
    public int tokenCount() {
        return count;
    }

    private String take(String text, int end) {
        if (end <= emitted) return "";
        String out = text.substring(emitted, end);
        emitted = end;
        return out;
    }
}
