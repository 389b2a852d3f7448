package io.quiver.query;

import io.quiver.query.cache.CachingSearcher;
import io.quiver.query.http.HttpSettings;
import io.quiver.query.rerank.RerankSettings;
import io.quiver.query.security.ApiKeys;
import io.quiver.schemas.KafkaClientSettings;
import io.quiver.schemas.Topics;
import io.quiver.schemas.routing.ShardKeys;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Command line entry point of the query server; {@code --help} lists every option. */
@Command(
        name = "quiver-query-server",
        mixinStandardHelpOptions = true,
        versionProvider = QueryServerMain.Version.class,
        sortOptions = false,
        description = {
            "Quiver's HTTP query server: collection and point writes go to Kafka, searches fan out"
                    + " to the Flink job's shard servers, found through Queryable State.",
            ""
        },
        footer = {
            "",
            "Endpoints: GET /healthz, GET /readyz, GET|PUT /collections[/{name}],"
                    + " PUT /collections/{name}/points, POST /collections/{name}/points/delete,"
                    + " POST /collections/{name}/points/search"
        })
public final class QueryServerMain implements Callable<Integer> {

    /** Log4j configuration shipped in this module, used unless one is given explicitly. */
    static final String LOG_CONFIG = "quiver-query-server-log4j2.xml";

    @Option(
            names = "--host",
            defaultValue = "127.0.0.1",
            description =
                    "Address to listen on; 0.0.0.0 for all interfaces. Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(
            names = "--port",
            defaultValue = "8080",
            description = "HTTP port; 0 picks a free one. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(
            names = "--bootstrap-servers",
            required = true,
            description = "Kafka bootstrap servers, e.g. 127.0.0.1:9092.")
    String bootstrapServers;

    @Option(
            names = "--topic-prefix",
            defaultValue = Topics.DEFAULT_PREFIX,
            description =
                    "Topic prefix: <prefix>.upserts, <prefix>.collections. Default: ${DEFAULT-VALUE}.")
    String topicPrefix;

    @Option(
            names = "--shards",
            defaultValue = "" + ShardKeys.DEFAULT_SHARDS,
            description =
                    "Number of logical shards; must match the job. Default: ${DEFAULT-VALUE}.")
    int shards;

    @Option(
            names = "--max-parallelism",
            defaultValue = "" + ShardKeys.DEFAULT_MAX_PARALLELISM,
            description =
                    "The job's max parallelism (key groups); must match the job. Default: ${DEFAULT-VALUE}.")
    int maxParallelism;

    @Option(
            names = "--flink-rest",
            required = true,
            description =
                    "Flink REST address, used to find the job by name, e.g. http://127.0.0.1:8081.")
    String flinkRest;

    @Option(
            names = "--job-name",
            defaultValue = "quiver",
            description = "Name of the running Quiver job. Default: ${DEFAULT-VALUE}.")
    String jobName;

    @Option(
            names = "--queryable-state-proxy",
            required = true,
            description =
                    "host:port of a TaskManager's Queryable State proxy, e.g. 127.0.0.1:9069;"
                            + " a comma-separated list for several TaskManagers, tried in turn"
                            + " (a proxy answers only for jobs with tasks on its TaskManager).")
    String queryableStateProxy;

    @Option(
            names = "--max-body-bytes",
            defaultValue = "" + HttpSettings.DEFAULT_MAX_BODY_BYTES,
            description =
                    "Largest request body; larger ones get 413. Default: ${DEFAULT-VALUE} (32 MiB).")
    int maxBodyBytes;

    @Option(
            names = "--max-batch-points",
            defaultValue = "" + HttpSettings.DEFAULT_MAX_BATCH_POINTS,
            description = "Most points per upsert or delete request. Default: ${DEFAULT-VALUE}.")
    int maxBatchPoints;

    @Option(
            names = "--request-timeout-ms",
            defaultValue = "" + HttpSettings.DEFAULT_REQUEST_TIMEOUT_MS,
            description =
                    "How long writes wait for Kafka and searches for shards (a search may set timeout_ms). Default: ${DEFAULT-VALUE}.")
    int requestTimeoutMs;

    @Option(
            names = "--cache-ttl-ms",
            defaultValue = "1000",
            description =
                    "How long a complete eventual search answer is reused; 0 disables the result cache. Default: ${DEFAULT-VALUE}.")
    int cacheTtlMs;

    @Option(
            names = "--catalog-wait-ms",
            defaultValue = "10000",
            description =
                    "How long to read the collection catalog before listening; past it the server listens anyway and answers 503 catalog_loading until the catalog is read. Default: ${DEFAULT-VALUE}.")
    int catalogWaitMs;

    @Option(
            names = "--shard-circuit-open-ms",
            defaultValue = "5000",
            description =
                    "How long a shard server that keeps timing out or refusing connections is skipped (its shards answered as missing) before it is probed again. Default: ${DEFAULT-VALUE}.")
    int shardCircuitOpenMs;

    @Option(
            names = "--cache-max-bytes",
            defaultValue = "" + CachingSearcher.DEFAULT_MAX_BYTES,
            description =
                    "Bound of the result cache, in approximate bytes of cached answers. Default: ${DEFAULT-VALUE}.")
    long cacheMaxBytes;

    @Option(
            names = "--rerank-cache-size",
            defaultValue = "" + RerankSettings.DEFAULT_CACHE_MAX_ENTRIES,
            description =
                    "Reranker scores cached, in (query text, document) pairs; 0 disables the score cache. Default: ${DEFAULT-VALUE}.")
    int rerankCacheSize;

    @Option(
            names = "--rerank-cache-ttl-ms",
            defaultValue = "600000",
            description =
                    "How long a cached reranker score is used (1000-86400000). Default: ${DEFAULT-VALUE}.")
    long rerankCacheTtlMs;

    @Option(
            names = "--rerank-breaker-failure-rate",
            defaultValue = "" + RerankSettings.DEFAULT_BREAKER_FAILURE_RATE_PERCENT,
            description =
                    "Percent of a reranker's last 20 calls that must fail or time out to open its circuit breaker (0-100]. Default: ${DEFAULT-VALUE}.")
    float rerankBreakerFailureRate;

    @Option(
            names = "--rerank-breaker-open-ms",
            defaultValue = "10000",
            description =
                    "How long an open reranker circuit breaker refuses calls before probing (100-3600000). Default: ${DEFAULT-VALUE}.")
    long rerankBreakerOpenMs;

    @Option(
            names = "--rerank-warmup-queries",
            defaultValue = "" + RerankSettings.DEFAULT_WARMUP_QUERIES,
            description =
                    "Most frequent recent rerank query texts whose cached scores are refreshed before they expire; 0 turns the warm-up off. Default: ${DEFAULT-VALUE}.")
    int rerankWarmupQueries;

    @Option(
            names = "--directory-refresh-ms",
            defaultValue = "1000",
            description =
                    "How often shard locations are read from Queryable State. Default: ${DEFAULT-VALUE}.")
    int directoryRefreshMs;

    @Option(
            names = "--status-stale-ms",
            defaultValue = "5000",
            description =
                    "A shard status not refreshed for this long is stale and the shard is skipped. Default: ${DEFAULT-VALUE}.")
    int statusStaleMs;

    @Option(
            names = "--io-threads",
            defaultValue = "0",
            description = "Netty I/O threads; 0 = one per core. Default: ${DEFAULT-VALUE}.")
    int ioThreads;

    @Option(
            names = "--api-keys-file",
            paramLabel = "FILE",
            description =
                    "JSON file of API keys with their scopes per collection pattern and rate"
                            + " limits (see query-server/README.md); or set $QUIVER_API_KEYS_FILE,"
                            + " $QUIVER_API_KEYS (the document itself) or $QUIVER_API_KEY (one key"
                            + " with every scope). Without any of them access control is off.")
    Path apiKeysFile;

    @Option(
            names = "--metrics-open",
            description =
                    "Serve /metrics without an API key even when keys are configured (by default"
                            + " it needs the admin scope).")
    boolean metricsOpen;

    @Option(
            names = "--tls-cert",
            paramLabel = "FILE",
            description =
                    "PEM certificate chain (server certificate first) to serve HTTPS; needs"
                            + " --tls-key.")
    Path tlsCert;

    @Option(
            names = "--tls-key",
            paramLabel = "FILE",
            description = "PEM private key (unencrypted PKCS#8) of --tls-cert.")
    Path tlsKey;

    @Option(
            names = "--kafka-property",
            paramLabel = "KEY=VALUE",
            description =
                    "A Kafka client setting for the producer, the consumers and the admin client,"
                            + " e.g. security.protocol=SASL_SSL; repeatable, wins over"
                            + " --kafka-properties-file.")
    Map<String, String> kafkaProperties = new LinkedHashMap<>();

    @Option(
            names = "--kafka-properties-file",
            paramLabel = "FILE",
            description = "A Java properties file of Kafka client settings (SASL, TLS, ...).")
    Path kafkaPropertiesFile;

    /** Where QUIVER_API_KEYS and QUIVER_API_KEY are read from; tests replace it. */
    Map<String, String> environment = System.getenv();

    /** Environment variable naming a key file, as --api-keys-file does (for scripts). */
    static final String KEYS_FILE_VARIABLE = "QUIVER_API_KEYS_FILE";

    /** Environment variable holding a key document, as an alternative to --api-keys-file. */
    static final String KEYS_VARIABLE = "QUIVER_API_KEYS";

    /** Environment variable holding one key with every scope on every collection. */
    static final String KEY_VARIABLE = "QUIVER_API_KEY";

    private final CountDownLatch stopped = new CountDownLatch(1);

    /** The version from the jar's manifest, when there is one. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = QueryServerMain.class.getPackage().getImplementationVersion();
            return new String[] {"quiver-query-server " + (v == null ? "(development build)" : v)};
        }
    }

    public static void main(String[] args) {
        if (System.getProperty("log4j2.configurationFile") == null
                && System.getProperty("log4j.configurationFile") == null) {
            System.setProperty("log4j2.configurationFile", LOG_CONFIG);
        }
        // Our shutdown hook logs while it stops the server; Log4j's own hook would stop first.
        if (System.getProperty("log4j2.shutdownHookEnabled") == null) {
            System.setProperty("log4j2.shutdownHookEnabled", "false");
        }
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new QueryServerMain());
    }

    /** The builder these options describe; {@code build()} on it validates them. */
    QueryServer.Builder builder() {
        QueryServer.Builder b =
                QueryServer.builder()
                        .host(host)
                        .port(port)
                        .bootstrapServers(bootstrapServers)
                        .topicPrefix(topicPrefix)
                        .shards(shards)
                        .maxParallelism(maxParallelism)
                        .flinkRestUrl(flinkRest)
                        .jobName(jobName)
                        .queryableStateProxy(queryableStateProxy)
                        .maxBodyBytes(maxBodyBytes)
                        .maxBatchPoints(maxBatchPoints)
                        .requestTimeoutMs(requestTimeoutMs)
                        .resultCacheTtlMs(cacheTtlMs)
                        .resultCacheMaxBytes(cacheMaxBytes)
                        .shardCircuitOpenMs(shardCircuitOpenMs)
                        .catalogWaitMs(catalogWaitMs)
                        .rerankSettings(
                                RerankSettings.defaults()
                                        .withCacheMaxEntries(rerankCacheSize)
                                        .withCacheTtl(Duration.ofMillis(rerankCacheTtlMs))
                                        .withBreakerFailureRatePercent(rerankBreakerFailureRate)
                                        .withBreakerOpenDuration(
                                                Duration.ofMillis(rerankBreakerOpenMs))
                                        .withWarmupQueries(rerankWarmupQueries))
                        .directoryRefreshMs(directoryRefreshMs)
                        .statusStaleMs(statusStaleMs)
                        .ioThreads(ioThreads)
                        .apiKeys(apiKeys())
                        .metricsOpen(metricsOpen)
                        .tls(tlsCert, tlsKey);
        kafkaSettings().forEach(b::kafkaProperty);
        return b;
    }

    /**
     * The API keys from --api-keys-file, $QUIVER_API_KEYS or $QUIVER_API_KEY (only one of them), or
     * null for none.
     *
     * @throws IllegalArgumentException when more than one is set or the keys are invalid
     */
    ApiKeys apiKeys() {
        String fileVariable = blankToNull(environment.get(KEYS_FILE_VARIABLE));
        String document = blankToNull(environment.get(KEYS_VARIABLE));
        String single = blankToNull(environment.get(KEY_VARIABLE));
        int sources = 0;
        for (Object source : new Object[] {apiKeysFile, fileVariable, document, single}) {
            sources += source == null ? 0 : 1;
        }
        if (sources > 1) {
            throw new IllegalArgumentException(
                    "API keys come from one place only: set one of --api-keys-file, $"
                            + KEYS_FILE_VARIABLE
                            + ", $"
                            + KEYS_VARIABLE
                            + " and $"
                            + KEY_VARIABLE);
        }
        if (apiKeysFile != null) {
            return ApiKeys.fromFile(apiKeysFile);
        } else if (fileVariable != null) {
            return ApiKeys.fromFile(Path.of(fileVariable));
        } else if (document != null) {
            return ApiKeys.fromJson(document, "$" + KEYS_VARIABLE);
        } else if (single != null) {
            return ApiKeys.single(single, "$" + KEY_VARIABLE);
        }
        return null;
    }

    /** --kafka-properties-file, then every --kafka-property over it. */
    Map<String, String> kafkaSettings() {
        return KafkaClientSettings.merge(kafkaPropertiesFile, kafkaProperties);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    @Override
    public Integer call() throws InterruptedException {
        QueryServer server;
        try {
            server = builder().build();
        } catch (IllegalArgumentException e) {
            System.err.println("quiver-query-server: " + e.getMessage());
            return 2;
        }
        Logger log = LoggerFactory.getLogger(QueryServerMain.class);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    server.close();
                                    stopped.countDown();
                                },
                                "quiver-shutdown"));
        try {
            server.start();
        } catch (RuntimeException e) {
            log.error("Query server failed to start", e);
            return 1;
        }
        stopped.await();
        return 0;
    }
}
