package io.quiver.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a collection against what was written: the exact count, every live id's own vector
 * returning that id first, no deleted id returned, no id twice in one answer.
 *
 * <p>An id its own vector does not find first is searched again exactly: if the exact search finds
 * it, the point is stored and the miss is the approximate index's ({@code indexMisses}); only if
 * the exact search misses it too is it {@code lost}. An index miss is searched once more with the
 * largest candidate list; a point even that does not reach is {@code unreachable} in its graph.
 */
final class Checker {

    /** What a check found; {@code missed} names the ids behind {@code lost} and index misses. */
    record Outcome(
            long expected,
            long counted,
            long lost,
            long duplicated,
            long deletedReturned,
            long indexMisses,
            long unreachable,
            List<String> missed) {

        @Override
        public String toString() {
            return String.format(
                    "expected=%d counted=%d lost=%d duplicated=%d deletedReturned=%d"
                            + " indexMisses=%d unreachable=%d%s",
                    expected,
                    counted,
                    lost,
                    duplicated,
                    deletedReturned,
                    indexMisses,
                    unreachable,
                    missed.isEmpty() ? "" : " missed " + missed);
        }
    }

    /** The largest candidate list a search may ask for (the server's limit). */
    private static final int MAX_EF = 10_000;

    private static final int BATCH = 100;

    private final QuiverApi api;
    private final Vectors vectors;
    private long checked;
    private long indexMisses;
    private long unreachable;

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
        List<String> notFirst = new ArrayList<>();
        long dup = 0;
        long deletedReturned = 0;
        for (int i = 0; i < live.size(); i += BATCH) {
            List<String> ids = live.subList(i, Math.min(live.size(), i + BATCH));
            List<List<String>> hits = searchWithRetry(collection, ids, "");
            for (int j = 0; j < ids.size(); j++) {
                List<String> h = hits == null ? List.of() : hits.get(j);
                if (!first(h, ids.get(j))) {
                    notFirst.add(ids.get(j));
                }
                if (new HashSet<>(h).size() != h.size()) {
                    dup++;
                }
            }
            if (i % (BATCH * 100) == 0 && i > 0) {
                Progress.say("  checked %,d of %,d live ids", i, live.size());
            }
        }
        Set<String> gone = new HashSet<>(deleted);
        for (int i = 0; i < deleted.size(); i += BATCH) {
            List<String> ids = deleted.subList(i, Math.min(deleted.size(), i + BATCH));
            List<List<String>> hits = searchWithRetry(collection, ids, "");
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
        List<String> stored = foundFirst(collection, notFirst, ", \"params\": {\"exact\": true}");
        List<String> reached =
                foundFirst(collection, stored, ", \"params\": {\"hnsw_ef\": " + MAX_EF + "}");
        long duplicated = dup + Math.max(0, counted - live.size() - maybe);
        checked += live.size();
        indexMisses += stored.size();
        unreachable += stored.size() - reached.size();
        return new Outcome(
                live.size(),
                counted,
                notFirst.size() - stored.size(),
                duplicated,
                deletedReturned,
                stored.size(),
                stored.size() - reached.size(),
                List.copyOf(notFirst));
    }

    /** Live ids checked so far, over every check. */
    long checked() {
        return checked;
    }

    /** Stored points their own vector did not find first, over every check. */
    long indexMisses() {
        return indexMisses;
    }

    /** Index misses that the largest candidate list did not find first either. */
    long unreachable() {
        return unreachable;
    }

    /**
     * Of {@code ids}, those whose own vector finds them first when searched with {@code params} (a
     * JSON fragment appended to each search), {@value #BATCH} searches per request (the server's
     * batch limit); an id whose search got no answer counts as found nowhere.
     */
    private List<String> foundFirst(String collection, List<String> ids, String params)
            throws InterruptedException {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < ids.size(); i += BATCH) {
            List<String> batch = ids.subList(i, Math.min(ids.size(), i + BATCH));
            List<List<String>> hits = searchWithRetry(collection, batch, params);
            for (int j = 0; j < batch.size(); j++) {
                if (first(hits == null ? List.of() : hits.get(j), batch.get(j))) {
                    out.add(batch.get(j));
                }
            }
        }
        return out;
    }

    private static boolean first(List<String> hits, String id) {
        return !hits.isEmpty() && hits.get(0).equals(id);
    }

    private List<List<String>> searchWithRetry(String collection, List<String> ids, String params)
            throws InterruptedException {
        List<float[]> queries = new ArrayList<>(ids.size());
        for (String id : ids) {
            queries.add(vectors.of(id));
        }
        for (int attempt = 0; attempt < 20; attempt++) {
            List<List<String>> hits = api.searchBatch(collection, queries, 3, params);
            if (hits != null && hits.size() == ids.size()) {
                return hits;
            }
            Thread.sleep(500);
        }
        return null;
    }
}
