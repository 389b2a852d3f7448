package io.quiver.schemas.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Splits text into lower-case terms: maximal runs of letters and digits (any script); everything
 * else separates. No stemming and no stop words — BM25's IDF already discounts frequent words.
 *
 * <p>The shards count their term statistics and the query server scores candidates with this one
 * tokenizer, so a term means the same on both sides; changing it changes what stored statistics
 * mean (they are rebuilt from the records at every restore, so a new version only needs a restart
 * of the job).
 */
public final class Tokenizer {

    private Tokenizer() {}

    /** The terms of {@code text} in order, repeats kept. */
    public static List<String> terms(String text) {
        List<String> out = new ArrayList<>();
        int start = -1;
        for (int i = 0; i <= text.length(); ) {
            int cp = i < text.length() ? text.codePointAt(i) : ' ';
            boolean word = i < text.length() && Character.isLetterOrDigit(cp);
            if (word && start < 0) {
                start = i;
            } else if (!word && start >= 0) {
                out.add(text.substring(start, i).toLowerCase(Locale.ROOT));
                start = -1;
            }
            i += i < text.length() ? Character.charCount(cp) : 1;
        }
        return out;
    }
}
