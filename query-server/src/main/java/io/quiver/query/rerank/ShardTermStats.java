package io.quiver.query.rerank;

import io.quiver.query.routing.ShardDirectory;
import io.quiver.query.rpc.ShardClient;
import io.quiver.query.search.ShardFanOut;
import io.quiver.schemas.rpc.ShardResult;
import io.quiver.schemas.rpc.TermStatsRequest;
import io.quiver.schemas.rpc.TermStatsResponse;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * {@link TermStatsSource} over the shard RPC: one {@code TERM_STATS} request per shard server
 * carrying all of its shards, routed and retried like a search ({@link ShardFanOut}), and the
 * shards' counts summed. A shard that has not seen the collection yet holds none of its points and
 * adds nothing. Statistics are unavailable when any shard is missing (not ready, timed out, moved
 * twice, or counting another field than the query server's spec names) or cannot count one of the
 * terms exactly (its term table is full): a sum without them would make their terms look rarer than
 * they are.
 */
public final class ShardTermStats implements TermStatsSource {

    private final ShardClient client;
    private final ShardFanOut<TermStatsResponse.Stats> fanOut;

    public ShardTermStats(ShardDirectory directory, ShardClient client) {
        this.client = client;
        this.fanOut =
                new ShardFanOut<>(
                        directory,
                        TermStatsResponse.Stats::shard,
                        TermStatsResponse.Stats::status,
                        TermStatsResponse.Stats::message);
    }

    @Override
    public CompletableFuture<CorpusStats> fetch(
            String collection, String field, Collection<String> terms, long timeoutMs) {
        List<String> asked = new ArrayList<>(terms);
        if (asked.size() > TermStatsRequest.MAX_TERMS) {
            return CompletableFuture.completedFuture(
                    CorpusStats.unavailable(asked.size() + " query terms"));
        }
        return fanOut.all(
                        timeoutMs,
                        (endpoint, shards, left) ->
                                client.termStats(
                                                endpoint,
                                                new TermStatsRequest(
                                                        client.nextRequestId(),
                                                        collection,
                                                        shards,
                                                        field,
                                                        asked),
                                                left)
                                        .thenApply(TermStatsResponse::shards))
                .thenApply(outcome -> sum(asked, outcome));
    }

    private static CorpusStats sum(
            List<String> terms, ShardFanOut.Outcome<TermStatsResponse.Stats> outcome) {
        if (!outcome.missing().isEmpty()) {
            return CorpusStats.unavailable("no term statistics from shards " + outcome.missing());
        }
        long docs = 0;
        long totalTerms = 0;
        long[] docFreqs = new long[terms.size()];
        for (TermStatsResponse.Stats s : outcome.answered()) {
            if (s.status() != ShardResult.Status.OK) {
                continue;
            }
            if (s.docFreqs().length != terms.size()) {
                return CorpusStats.unavailable(
                        "shard " + s.shard() + " answered " + s.docFreqs().length + " counts");
            }
            docs += s.docs();
            totalTerms += s.totalTerms();
            for (int i = 0; i < docFreqs.length; i++) {
                if (s.docFreqs()[i] == TermStatsResponse.UNKNOWN) {
                    return CorpusStats.unavailable(
                            "shard " + s.shard() + " cannot count term '" + terms.get(i) + "'");
                }
                docFreqs[i] += s.docFreqs()[i];
            }
        }
        Map<String, Long> byTerm = new HashMap<>();
        for (int i = 0; i < docFreqs.length; i++) {
            byTerm.put(terms.get(i), docFreqs[i]);
        }
        return new CorpusStats(docs, totalTerms, byTerm, null);
    }
}
