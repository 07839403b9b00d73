package dev.unitune.model.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-level BPE as CLIP does it: a word (already in the byte-symbol alphabet) starts as single symbols
 * with "</w>" glued to the last one; the adjacent pair with the lowest merge rank is merged everywhere,
 * until no adjacent pair has a rank. Results are cached per word, as in the reference.
 */
final class BytePairEncoder {
    static final String END_OF_WORD = "</w>";
    private static final int MAX_CACHED_WORDS = 100_000;

    private final Map<String, Integer> ranks; // "left right" -> rank (line order in merges.txt)
    private final Map<String, String[]> cache = new ConcurrentHashMap<>();

    BytePairEncoder(List<String[]> merges) {
        ranks = new HashMap<>(merges.size() * 2);
        for (int i = 0; i < merges.size(); i++) ranks.putIfAbsent(merges.get(i)[0] + " " + merges.get(i)[1], i);
    }

    /** BPE pieces of one pre-tokenised word (byte symbols, without the end-of-word mark). */
    String[] encode(String word) {
        if (cache.size() > MAX_CACHED_WORDS) cache.clear(); // bound memory in long-running processes
        return cache.computeIfAbsent(word, this::merge);
    }

    private String[] merge(String word) {
        List<String> parts = new ArrayList<>();
        int n = word.length();
        if (n == 0) return new String[0];
        for (int i = 0; i < n - 1; i++) parts.add(String.valueOf(word.charAt(i)));
        parts.add(word.charAt(n - 1) + END_OF_WORD);
        while (parts.size() > 1) {
            int best = Integer.MAX_VALUE;
            String bestLeft = null, bestRight = null;
            for (int i = 0; i + 1 < parts.size(); i++) {
                Integer r = ranks.get(parts.get(i) + " " + parts.get(i + 1));
                if (r != null && r < best) { best = r; bestLeft = parts.get(i); bestRight = parts.get(i + 1); }
            }
            if (bestLeft == null) break;
            List<String> merged = new ArrayList<>(parts.size());
            for (int i = 0; i < parts.size(); i++) {
                if (i + 1 < parts.size() && parts.get(i).equals(bestLeft) && parts.get(i + 1).equals(bestRight)) {
                    merged.add(bestLeft + bestRight);
                    i++;
                } else merged.add(parts.get(i));
            }
            parts = merged;
        }
        return parts.toArray(new String[0]);
    }
}
