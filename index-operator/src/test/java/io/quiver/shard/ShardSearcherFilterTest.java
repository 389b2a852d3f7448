package io.quiver.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.quiver.index.Metric;
import io.quiver.index.VectorIndex;
import io.quiver.index.flat.FlatIndex;
import io.quiver.index.hnsw.HnswIndex;
import io.quiver.index.hnsw.Storage;
import io.quiver.schemas.routing.ShardKeys;
import io.quiver.schemas.rpc.SearchRequest;
import io.quiver.schemas.rpc.SearchResponse;
import io.quiver.schemas.rpc.ShardResult;
import io.quiver.schemas.rpc.ShardResult.Status;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Filtered searches through the shard searcher over a real registry of several shards equal the
 * brute-force filtered top-k, from every point passing down to 0.1 % of them and none; exact
 * searches ({@code params.exact}) do so on an approximate int8 HNSW index too.
 */
class ShardSearcherFilterTest {

    private static final long SEED = 20_261_125L;
    private static final int SHARDS = 4;
    private static final int POINTS = 5_000;
    private static final int DIM = 8;
    private static final int K = 10;
    private static final String[] COLORS = {"red", "green", "blue", "black"};

    /** One generated point: its vector and the payload fields filters look at. */
    private record Point(String id, float[] vector, int bucket, String color, boolean even) {}

    private static final List<Point> POINTS_LIST = new ArrayList<>();
    private static final ShardRegistry REGISTRY;

    /**
     * The same points in int8 HNSW indexes with a tiny graph: searched through the index they miss
     * neighbours, so only an exact search can equal brute force.
     */
    private static final ShardRegistry HNSW_REGISTRY;

    static {
        Random random = new Random(SEED);
        for (int i = 0; i < POINTS; i++) {
            float[] v = new float[DIM];
            for (int d = 0; d < DIM; d++) {
                v[d] = (float) random.nextGaussian();
            }
            POINTS_LIST.add(
                    new Point(
                            "p" + i, v, i % 1000, COLORS[random.nextInt(4)], random.nextBoolean()));
        }
        REGISTRY = registry(() -> new FlatIndex(DIM, Metric.L2));
        HNSW_REGISTRY =
                registry(
                        () ->
                                HnswIndex.builder(DIM, Metric.L2)
                                        .m(4)
                                        .efConstruction(8)
                                        .storage(Storage.INT8)
                                        .seed(SEED)
                                        .build());
    }

    private static ShardRegistry registry(Supplier<VectorIndex> indexes) {
        ShardKeys keys = new ShardKeys(SHARDS, 128);
        LiveShard[] shards = new LiveShard[SHARDS];
        for (int s = 0; s < SHARDS; s++) {
            shards[s] = new LiveShard(s);
            shards[s].putCollection(
                    new LiveCollection(
                            "docs", "{}".getBytes(StandardCharsets.UTF_8), 64, indexes.get()));
        }
        for (Point p : POINTS_LIST) {
            String payload =
                    "{\"bucket\":"
                            + p.bucket
                            + ",\"color\":\""
                            + p.color
                            + "\",\"even\":"
                            + p.even
                            + ",\"tags\":[\""
                            + p.color
                            + "\","
                            + (p.bucket % 10)
                            + "],\"note\":{\"bucket\":-1}}";
            shards[keys.shardOf("docs", p.id)]
                    .collection("docs")
                    .upsert(p.id, p.vector, payload.getBytes(StandardCharsets.UTF_8));
        }
        ShardRegistry registry = new ShardRegistry();
        for (LiveShard s : shards) {
            s.setReady(true);
            registry.register(s);
        }
        return registry;
    }

    static List<Arguments> filters() {
        return List.of(
                Arguments.of("{}", "100 %", (Predicate<Point>) p -> true),
                Arguments.of(
                        "{\"must\":[{\"key\":\"bucket\",\"range\":{\"lt\":500}}]}",
                        "50 %",
                        (Predicate<Point>) p -> p.bucket < 500),
                Arguments.of(
                        "{\"must\":[{\"key\":\"color\",\"match\":{\"value\":\"red\"}}],"
                                + "\"must_not\":[{\"key\":\"even\",\"match\":{\"value\":true}}]}",
                        "~12 %",
                        (Predicate<Point>) p -> p.color.equals("red") && !p.even),
                Arguments.of(
                        "{\"must\":[{\"key\":\"tags\",\"match\":{\"value\":3}},"
                                + "{\"should\":[{\"key\":\"color\",\"match\":{\"value\":\"blue\"}},"
                                + "{\"key\":\"even\",\"match\":{\"value\":true}}]}]}",
                        "~6 %",
                        (Predicate<Point>)
                                p -> p.bucket % 10 == 3 && (p.color.equals("blue") || p.even)),
                Arguments.of(
                        "{\"should\":[{\"key\":\"bucket\",\"range\":{\"lt\":5}},"
                                + "{\"key\":\"bucket\",\"range\":{\"gte\":995}}]}",
                        "1 %",
                        (Predicate<Point>) p -> p.bucket < 5 || p.bucket >= 995),
                Arguments.of(
                        "{\"must\":[{\"key\":\"bucket\",\"match\":{\"value\":7}}]}",
                        "0.1 %",
                        (Predicate<Point>) p -> p.bucket == 7),
                Arguments.of(
                        "{\"must\":[{\"key\":\"bucket\",\"range\":{\"gt\":999}}]}",
                        "0 %",
                        (Predicate<Point>) p -> false));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("filters")
    void filteredSearchEqualsBruteForce(String filter, String share, Predicate<Point> truth) {
        ShardSearcher searcher = new ShardSearcher(REGISTRY, Runnable::run, null);
        Random random = new Random(SEED + share.hashCode());
        for (int q = 0; q < 20; q++) {
            float[] query = new float[DIM];
            for (int d = 0; d < DIM; d++) {
                query[d] = (float) random.nextGaussian();
            }
            SearchResponse response = searcher.answer(request(query, filter));
            List<String> got = merged(response);
            assertThat(got)
                    .as("seed %d, query %d, %s", SEED, q, share)
                    .isEqualTo(bruteForce(query, truth));
        }
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("filters")
    void exactSearchOnAnApproximateIndexEqualsBruteForce(
            String filter, String share, Predicate<Point> truth) {
        ShardSearcher searcher = new ShardSearcher(HNSW_REGISTRY, Runnable::run, null);
        Random random = new Random(SEED + share.hashCode());
        for (int q = 0; q < 20; q++) {
            float[] query = new float[DIM];
            for (int d = 0; d < DIM; d++) {
                query[d] = (float) random.nextGaussian();
            }
            SearchResponse response = searcher.answer(request(query, filter).withExactSearch(true));
            assertThat(merged(response))
                    .as("seed %d, query %d, %s", SEED, q, share)
                    .isEqualTo(bruteForce(query, truth));
        }
    }

    @Test
    void exactSearchScoresAreEuclideanDistancesOfTheVectorsAsWritten() {
        ShardSearcher searcher = new ShardSearcher(HNSW_REGISTRY, Runnable::run, null);
        Point target = POINTS_LIST.get(123);
        SearchResponse response =
                searcher.answer(request(target.vector, "{}").withExactSearch(true));
        List<String> best = merged(response);
        assertThat(best.get(0)).isEqualTo(target.id);
        for (ShardResult r : response.shards()) {
            for (int i = 0; i < r.size(); i++) {
                Point p = POINTS_LIST.get(Integer.parseInt(r.ids()[i].substring(1)));
                assertThat(r.scores()[i])
                        .isCloseTo(
                                (float) Math.sqrt(squareDistance(p.vector, target.vector)),
                                within(1e-5f));
            }
        }
    }

    @Test
    void theTinyGraphAloneMissesNeighboursSoTheExactTestsMeanSomething() {
        ShardSearcher searcher = new ShardSearcher(HNSW_REGISTRY, Runnable::run, null);
        Random random = new Random(SEED);
        int differing = 0;
        for (int q = 0; q < 20; q++) {
            float[] query = new float[DIM];
            for (int d = 0; d < DIM; d++) {
                query[d] = (float) random.nextGaussian();
            }
            SearchRequest approximate =
                    new SearchRequest(
                            1,
                            "docs",
                            new int[] {0, 1, 2, 3},
                            K,
                            1,
                            false,
                            query,
                            1_000,
                            null,
                            null,
                            null);
            if (!merged(searcher.answer(approximate)).equals(bruteForce(query, p -> true))) {
                differing++;
            }
        }
        assertThat(differing).isPositive();
    }

    @Test
    void anUnreadableFilterIsAnErrorOnEveryShard() {
        ShardSearcher searcher = new ShardSearcher(REGISTRY, Runnable::run, null);
        SearchResponse response =
                searcher.answer(request(new float[DIM], "{\"must\":[{\"key\":\"a\"}]}"));
        assertThat(response.shards()).hasSize(SHARDS);
        assertThat(response.shards())
                .allSatisfy(
                        r -> {
                            assertThat(r.status()).isEqualTo(Status.ERROR);
                            assertThat(r.message())
                                    .startsWith(
                                            "invalid filter: filter.must[0]: a condition on 'a'");
                        });
    }

    private static SearchRequest request(float[] query, String filter) {
        return new SearchRequest(
                1,
                "docs",
                new int[] {0, 1, 2, 3},
                K,
                0,
                false,
                query,
                1_000,
                null,
                null,
                filter.getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> merged(SearchResponse response) {
        record Scored(String id, float score) {}
        List<Scored> all = new ArrayList<>();
        for (ShardResult r : response.shards()) {
            assertThat(r.status()).as(r.message()).isEqualTo(Status.OK);
            for (int i = 0; i < r.size(); i++) {
                all.add(new Scored(r.ids()[i], r.scores()[i]));
            }
        }
        all.sort(Comparator.comparingDouble(Scored::score).thenComparing(Scored::id));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < Math.min(K, all.size()); i++) {
            ids.add(all.get(i).id());
        }
        return ids;
    }

    private static List<String> bruteForce(float[] query, Predicate<Point> truth) {
        List<Point> passing = new ArrayList<>();
        for (Point p : POINTS_LIST) {
            if (truth.test(p)) {
                passing.add(p);
            }
        }
        passing.sort(
                Comparator.<Point>comparingDouble(p -> squareDistance(p.vector, query))
                        .thenComparing(Point::id));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < Math.min(K, passing.size()); i++) {
            ids.add(passing.get(i).id);
        }
        return ids;
    }

    private static double squareDistance(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            sum += d * d;
        }
        return sum;
    }
}
