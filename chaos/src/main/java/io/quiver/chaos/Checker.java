package io.quiver.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a collection against what was written: the exact count, every live id's own vector
 * returning that id first, no deleted id returned, no id twice in one answer.
 */
final class Checker {

    /** What a check found. */
    record Outcome(long expected, long counted, long lost, long duplicated, long deletedReturned) {}

    private static final int BATCH = 100;

    private final QuiverApi api;
    private final Vectors vectors;

    Checker(QuiverApi api, Vectors vectors) {
        this.api = api;
        this.vectors = vectors;
    }

    /**
     * Polls the count until it is within {@code expected + maybe} or the deadline passes; the last
     * count. {@code maybe} counts writes whose outcome the client never learnt (the connection
     * broke after the server took them): they may or may not be there.
     */
    long awaitCount(String collection, long expected, long maybe, Duration deadline)
            throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        long count = -1;
        while (System.nanoTime() < end) {
            count = api.count(collection);
            if (count >= expected && count <= expected + maybe) {
                return count;
            }
            Thread.sleep(500);
        }
        return count;
    }

    Outcome check(String collection, List<String> live, List<String> deleted, Duration deadline)
            throws InterruptedException {
        return check(collection, live, deleted, 0, deadline);
    }

    /** As above, allowing {@code maybe} points beyond the live ones (see {@link #awaitCount}). */
    Outcome check(
            String collection,
            List<String> live,
            List<String> deleted,
            long maybe,
            Duration deadline)
            throws InterruptedException {
        long counted = awaitCount(collection, live.size(), maybe, deadline);
        long[] lostAndDup = {0, 0};
        long deletedReturned = 0;
        for (int i = 0; i < live.size(); i += BATCH) {
            List<String> ids = live.subList(i, Math.min(live.size(), i + BATCH));
            List<List<String>> hits = searchWithRetry(collection, ids);
            for (int j = 0; j < ids.size(); j++) {
                List<String> h = hits == null ? List.of() : hits.get(j);
                if (h.isEmpty() || !h.get(0).equals(ids.get(j))) {
                    lostAndDup[0]++;
                }
                if (new HashSet<>(h).size() != h.size()) {
                    lostAndDup[1]++;
                }
            }
            if (i % (BATCH * 100) == 0 && i > 0) {
                Progress.say("  checked %,d of %,d live ids", i, live.size());
            }
        }
        Set<String> gone = new HashSet<>(deleted);
        for (int i = 0; i < deleted.size(); i += BATCH) {
            List<String> ids = deleted.subList(i, Math.min(deleted.size(), i + BATCH));
            List<List<String>> hits = searchWithRetry(collection, ids);
            if (hits == null) {
                continue;
            }
            for (List<String> h : hits) {
                for (String id : h) {
                    if (gone.contains(id)) {
                        deletedReturned++;
                    }
                }
            }
        }
        long duplicated = lostAndDup[1] + Math.max(0, counted - live.size() - maybe);
        return new Outcome(live.size(), counted, lostAndDup[0], duplicated, deletedReturned);
    }

    private List<List<String>> searchWithRetry(String collection, List<String> ids)
            throws InterruptedException {
        List<float[]> queries = new ArrayList<>(ids.size());
        for (String id : ids) {
            queries.add(vectors.of(id));
        }
        for (int attempt = 0; attempt < 20; attempt++) {
            List<List<String>> hits = api.searchBatch(collection, queries, 3);
            if (hits != null && hits.size() == ids.size()) {
                return hits;
            }
            Thread.sleep(500);
        }
        return null;
    }
}
