package io.quiver.query;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.quiver.query.cache.CachingSearcher;
import io.quiver.query.catalog.CatalogReader;
import io.quiver.query.catalog.CollectionCatalog;
import io.quiver.query.consistency.KafkaEndOffsets;
import io.quiver.query.http.HttpRoutes;
import io.quiver.query.http.HttpServerInitializer;
import io.quiver.query.http.HttpSettings;
import io.quiver.query.http.QueryServices;
import io.quiver.query.http.RequestGuard;
import io.quiver.query.internal.NamedThreadFactory;
import io.quiver.query.metrics.MeteredShardClient;
import io.quiver.query.metrics.QueryMetrics;
import io.quiver.query.rerank.RerankSettings;
import io.quiver.query.rerank.Reranking;
import io.quiver.query.rerank.ShardTermStats;
import io.quiver.query.routing.FlinkRestJobLocator;
import io.quiver.query.routing.QueryableStateLookup;
import io.quiver.query.routing.QueryableStateShardDirectory;
import io.quiver.query.routing.ShardDirectory;
import io.quiver.query.rpc.CircuitBreakingShardClient;
import io.quiver.query.rpc.NettyShardClient;
import io.quiver.query.rpc.ShardClient;
import io.quiver.query.search.FanOutSearcher;
import io.quiver.query.search.ShardPointReader;
import io.quiver.query.security.AccessControl;
import io.quiver.query.security.ApiKeys;
import io.quiver.query.security.ServerTls;
import io.quiver.query.write.KafkaTopicWriter;
import io.quiver.schemas.Topics;
import io.quiver.schemas.net.NettyTransport;
import io.quiver.schemas.routing.ShardKeys;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Quiver query server: HTTP API in front of Kafka (writes, the collection catalog) and the
 * shard servers (searches). Stateless; run as many as you like behind a load balancer.
 *
 * <pre>{@code
 * try (QueryServer server = QueryServer.builder()
 *         .bootstrapServers(kafka.bootstrapServers())
 *         .flinkRestUrl("http://127.0.0.1:8081")
 *         .queryableStateProxy("127.0.0.1:9069")
 *         .port(0)
 *         .build()
 *         .start()) {
 *     int port = server.port();
 * }
 * }</pre>
 *
 * {@link #start()} reads the collection catalog before it binds HTTP (up to {@code catalogWaitMs}),
 * so a restarted server refuses connections rather than answering 503 {@code catalog_loading}; past
 * that wait it binds anyway, and {@code /readyz} says when the catalog and the shard directory are
 * done.
 */
public final class QueryServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(QueryServer.class);

    private final Builder config;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    private Channel serverChannel;
    private final ChannelGroup httpConnections =
            new DefaultChannelGroup("quiver-http", GlobalEventExecutor.INSTANCE);
    private boolean started;
    private boolean closed;

    private QueryServer(Builder config) {
        this.config = config;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds the HTTP port and starts the catalog reader, the shard directory and the Kafka
     * producer.
     *
     * @throws IllegalStateException when already started or closed, or the port cannot be bound
     */
    public synchronized QueryServer start() {
        if (started || closed) {
            throw new IllegalStateException(
                    closed ? "query server is closed" : "query server already started");
        }
        started = true;
        try {
            startComponents();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        return this;
    }

    private void startComponents() {
        Topics topics = new Topics(config.topicPrefix);
        Properties kafka = new Properties();
        kafka.putAll(config.kafkaProperties);
        kafka.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers);
        Duration timeout = Duration.ofMillis(config.requestTimeoutMs);

        // HTTP and the shard connections share the worker loops, so one transport for both.
        NettyTransport transport = NettyTransport.preferred();
        bossGroup = transport.group(1, new NamedThreadFactory("quiver-http-boss"));
        int ioThreads =
                config.ioThreads > 0
                        ? config.ioThreads
                        : Runtime.getRuntime().availableProcessors();
        workerGroup = transport.group(ioThreads, new NamedThreadFactory("quiver-io"));

        CollectionCatalog catalog = new CollectionCatalog();
        KafkaTopicWriter writer = track(new KafkaTopicWriter(kafka, timeout));
        ShardDirectory directory = track(directory());
        QueryMetrics metrics = new QueryMetrics();
        ShardClient client =
                track(
                        new MeteredShardClient(
                                new CircuitBreakingShardClient(
                                        new NettyShardClient(
                                                workerGroup,
                                                transport.socketChannel(),
                                                config.connectionsPerShardServer),
                                        metrics,
                                        Duration.ofMillis(config.shardCircuitOpenMs)),
                                metrics));
        CatalogReader reader = track(new CatalogReader(kafka, topics.collections(), catalog));
        KafkaEndOffsets endOffsets = track(new KafkaEndOffsets(kafka));

        QueryServices services =
                QueryServices.builder()
                        .catalog(catalog)
                        .writer(writer)
                        .searcher(
                                new CachingSearcher(
                                        new FanOutSearcher(directory, client),
                                        metrics,
                                        Duration.ofMillis(config.resultCacheTtlMs),
                                        config.resultCacheMaxBytes))
                        .directory(directory)
                        .topics(topics)
                        .settings(
                                new HttpSettings(
                                        config.maxBodyBytes,
                                        config.maxBatchPoints,
                                        config.requestTimeoutMs))
                        .endOffsets(endOffsets)
                        .points(
                                new ShardPointReader(
                                        directory,
                                        client,
                                        new ShardKeys(config.shards, config.maxParallelism)))
                        .metrics(metrics)
                        .reranking(
                                track(
                                        Reranking.create(
                                                metrics,
                                                config.rerankSettings,
                                                new ShardTermStats(directory, client))))
                        .build();
        ServerBootstrap bootstrap =
                new ServerBootstrap()
                        .group(bossGroup, workerGroup)
                        .channel(transport.serverChannel())
                        .option(ChannelOption.SO_BACKLOG, 1024)
                        .childOption(ChannelOption.TCP_NODELAY, true)
                        .childHandler(
                                new HttpServerInitializer(
                                        new HttpRoutes(services),
                                        config.maxBodyBytes,
                                        httpConnections,
                                        guard(metrics),
                                        config.tls));
        reader.start();
        directory.start();
        awaitCatalog(catalog);
        try {
            serverChannel =
                    bootstrap.bind(config.host, config.port).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            throw new IllegalStateException(
                    "cannot listen on " + config.host + ":" + config.port + ": " + e.getMessage(),
                    e);
        }
        LOG.info(
                "Quiver query server listening on {}://{}:{} (Kafka {}, topics '{}.*', {} shards)",
                config.tls == null ? "http" : "https",
                config.host,
                port(),
                config.bootstrapServers,
                config.topicPrefix,
                config.shards);
    }

    /**
     * Clients of a restarting server behind a load balancer should see a refused connection, which
     * every client retries, rather than a 503 for every collection; a broker that stays away must
     * not keep the port closed for good, hence the bound.
     */
    private void awaitCatalog(CollectionCatalog catalog) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.catalogWaitMs);
        while (!catalog.isLoaded() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        if (!catalog.isLoaded()) {
            LOG.warn(
                    "Collection catalog not loaded after {} ms; listening anyway, collection"
                            + " requests answer 503 catalog_loading until it is",
                    config.catalogWaitMs);
        }
    }

    /** Access control from the API keys, logged by key name only; open without keys. */
    private RequestGuard guard(QueryMetrics metrics) {
        if (config.apiKeys == null) {
            LOG.info(
                    "Access control is off: no API keys configured, so every client may read,"
                            + " write and manage collections");
            return RequestGuard.OPEN;
        }
        LOG.info(
                "Access control is on: {} API keys from {}: {}{}",
                config.apiKeys.keys().size(),
                config.apiKeys.source(),
                config.apiKeys.names(),
                config.metricsOpen ? "; /metrics is open" : "");
        return new AccessControl(config.apiKeys, config.metricsOpen, metrics);
    }

    private ShardDirectory directory() {
        if (config.shardDirectory != null) {
            return config.shardDirectory;
        }
        return new QueryableStateShardDirectory(
                new ShardKeys(config.shards, config.maxParallelism),
                new FlinkRestJobLocator(URI.create(config.flinkRestUrl), config.jobName),
                new QueryableStateLookup(
                        QueryableStateLookup.parseProxies(config.queryableStateProxy)),
                Duration.ofMillis(config.directoryRefreshMs),
                Duration.ofMillis(config.statusStaleMs),
                Duration.ofSeconds(10));
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
    }

    /** The bound HTTP port (useful with port 0). */
    public synchronized int port() {
        if (serverChannel == null) {
            throw new IllegalStateException("query server is not started");
        }
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /**
     * Stops accepting connections, then stops the catalog reader, the directory, the shard client
     * and the producer (flushing what it holds), then the event loops. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        // Event loop shutdown alone does not reliably close accepted connections.
        httpConnections.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                LOG.warn("Failed to close {}", resources.get(i).getClass().getSimpleName(), e);
            }
        }
        for (EventLoopGroup g : new EventLoopGroup[] {bossGroup, workerGroup}) {
            if (g != null) {
                g.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            }
        }
        LOG.info("Quiver query server stopped");
    }

    /**
     * Configures a {@link QueryServer}; {@link #build()} checks every value and names the bad one.
     */
    public static final class Builder {

        private String host = "127.0.0.1";
        private int port = 8080;
        private String bootstrapServers;
        private String topicPrefix = Topics.DEFAULT_PREFIX;
        private int shards = ShardKeys.DEFAULT_SHARDS;
        private int maxParallelism = ShardKeys.DEFAULT_MAX_PARALLELISM;
        private String flinkRestUrl;
        private String jobName = "quiver";
        private String queryableStateProxy;
        private int maxBodyBytes = HttpSettings.DEFAULT_MAX_BODY_BYTES;
        private int maxBatchPoints = HttpSettings.DEFAULT_MAX_BATCH_POINTS;
        private int requestTimeoutMs = HttpSettings.DEFAULT_REQUEST_TIMEOUT_MS;
        private int directoryRefreshMs = 1000;
        private int statusStaleMs = 5000;
        private int ioThreads = 0;
        private int connectionsPerShardServer = NettyShardClient.DEFAULT_CONNECTIONS_PER_ENDPOINT;
        private int shardCircuitOpenMs =
                (int) CircuitBreakingShardClient.DEFAULT_OPEN_DURATION.toMillis();
        private int catalogWaitMs = 10_000;
        private int resultCacheTtlMs = (int) CachingSearcher.DEFAULT_TTL.toMillis();
        private long resultCacheMaxBytes = CachingSearcher.DEFAULT_MAX_BYTES;
        private RerankSettings rerankSettings = RerankSettings.defaults();
        private ShardDirectory shardDirectory;
        private final Map<String, Object> kafkaProperties = new LinkedHashMap<>();
        private ApiKeys apiKeys;
        private boolean metricsOpen;
        private Path tlsCert;
        private Path tlsKey;
        private SslContext tls;

        private Builder() {}

        /**
         * How long a complete {@code eventual} search answer is reused (default 1000 ms); 0
         * disables the result cache (identical searches in flight are still coalesced).
         */
        public Builder resultCacheTtlMs(int resultCacheTtlMs) {
            this.resultCacheTtlMs = resultCacheTtlMs;
            return this;
        }

        /**
         * How long a shard server's circuit breaker stays open, answering its shards as missing at
         * once, before probing it again (default 5000 ms).
         */
        /**
         * How long {@link #start()} waits for the collection catalog before it binds HTTP anyway;
         * default 10000, 0 binds at once.
         */
        public Builder catalogWaitMs(int catalogWaitMs) {
            this.catalogWaitMs = catalogWaitMs;
            return this;
        }

        public Builder shardCircuitOpenMs(int shardCircuitOpenMs) {
            this.shardCircuitOpenMs = shardCircuitOpenMs;
            return this;
        }

        /** The result cache's bound in approximate bytes of cached answers (default 64 MiB). */
        public Builder resultCacheMaxBytes(long resultCacheMaxBytes) {
            this.resultCacheMaxBytes = resultCacheMaxBytes;
            return this;
        }

        /**
         * The rerank score cache (size, TTL), the external rerankers' circuit breakers (failure
         * rate, open duration) and the cache warm-up; default {@link RerankSettings#defaults()}.
         */
        public Builder rerankSettings(RerankSettings rerankSettings) {
            this.rerankSettings = rerankSettings;
            return this;
        }

        /** Address to listen on; default 127.0.0.1, use 0.0.0.0 for every interface. */
        public Builder host(String host) {
            this.host = host;
            return this;
        }

        /** HTTP port; default 8080, 0 picks a free one (see {@link QueryServer#port()}). */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Kafka's {@code bootstrap.servers}; required. */
        public Builder bootstrapServers(String bootstrapServers) {
            this.bootstrapServers = bootstrapServers;
            return this;
        }

        /** Topic prefix: topics are {@code <prefix>.upserts} and {@code <prefix>.collections}. */
        public Builder topicPrefix(String topicPrefix) {
            this.topicPrefix = topicPrefix;
            return this;
        }

        /** Number of logical shards; must equal the job's. Default 32. */
        public Builder shards(int shards) {
            this.shards = shards;
            return this;
        }

        /** The job's max parallelism; must equal the job's. Default 128. */
        public Builder maxParallelism(int maxParallelism) {
            this.maxParallelism = maxParallelism;
            return this;
        }

        /**
         * Flink's REST address, e.g. {@code http://127.0.0.1:8081}; required without a directory.
         */
        public Builder flinkRestUrl(String flinkRestUrl) {
            this.flinkRestUrl = flinkRestUrl;
            return this;
        }

        /** The name the job was submitted with; default {@code quiver}. */
        public Builder jobName(String jobName) {
            this.jobName = jobName;
            return this;
        }

        /**
         * TaskManagers' Queryable State proxies, {@code host:port[,host:port...]}, tried in turn (a
         * proxy answers only for jobs with tasks on its TaskManager); required without a directory.
         */
        public Builder queryableStateProxy(String hostAndPort) {
            this.queryableStateProxy = hostAndPort;
            return this;
        }

        /** Largest request body in bytes; default 32 MiB. */
        public Builder maxBodyBytes(int maxBodyBytes) {
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        /** Most points per upsert or delete request; default 1000. */
        public Builder maxBatchPoints(int maxBatchPoints) {
            this.maxBatchPoints = maxBatchPoints;
            return this;
        }

        /** Kafka acknowledgement and default search timeout, ms; default 5000. */
        public Builder requestTimeoutMs(int requestTimeoutMs) {
            this.requestTimeoutMs = requestTimeoutMs;
            return this;
        }

        /** How often every shard's status is read, ms; default 1000. */
        public Builder directoryRefreshMs(int directoryRefreshMs) {
            this.directoryRefreshMs = directoryRefreshMs;
            return this;
        }

        /**
         * How long a shard status may go without advancing before it is stale, ms; default 5000.
         */
        public Builder statusStaleMs(int statusStaleMs) {
            this.statusStaleMs = statusStaleMs;
            return this;
        }

        /**
         * Netty I/O threads for HTTP and shard connections; 0 (default) = one per core. The loops
         * never block (they parse, route, encode and wait for shard answers as callbacks), so more
         * loops than cores only add wake-ups and context switches.
         */
        public Builder ioThreads(int ioThreads) {
            this.ioThreads = ioThreads;
            return this;
        }

        /** Persistent connections per shard server; default 2. */
        public Builder connectionsPerShardServer(int connections) {
            this.connectionsPerShardServer = connections;
            return this;
        }

        /**
         * Uses {@code directory} instead of the Queryable State one (then the Flink REST URL and
         * proxy are not needed). The server starts and closes it.
         */
        public Builder shardDirectory(ShardDirectory directory) {
            this.shardDirectory = directory;
            return this;
        }

        /** An extra Kafka client setting for the producer and the catalog consumer (e.g. SASL). */
        public Builder kafkaProperty(String key, Object value) {
            this.kafkaProperties.put(key, value);
            return this;
        }

        /**
         * Requires an API key on every request except {@code /healthz}, {@code /readyz} (and {@code
         * /metrics} with {@link #metricsOpen}); null (the default) leaves the server open.
         */
        public Builder apiKeys(ApiKeys apiKeys) {
            this.apiKeys = apiKeys;
            return this;
        }

        /** Serve {@code /metrics} without a key even when API keys are configured. */
        public Builder metricsOpen(boolean metricsOpen) {
            this.metricsOpen = metricsOpen;
            return this;
        }

        /**
         * Serves HTTPS with this PEM certificate chain and PKCS#8 PEM private key (see {@link
         * ServerTls}); both null (the default) serves plain HTTP.
         */
        public Builder tls(Path certificateChain, Path privateKey) {
            this.tlsCert = certificateChain;
            this.tlsKey = privateKey;
            return this;
        }

        /**
         * Checks every setting.
         *
         * @throws IllegalArgumentException naming the first bad value
         */
        public QueryServer build() {
            require(host != null && !host.isBlank(), "host must not be blank");
            require(port >= 0 && port <= 65535, "port must be 0-65535, got " + port);
            require(
                    bootstrapServers != null && !bootstrapServers.isBlank(),
                    "bootstrap servers must be set, e.g. 127.0.0.1:9092");
            new Topics(topicPrefix);
            new ShardKeys(shards, maxParallelism);
            if (shardDirectory == null) {
                require(
                        flinkRestUrl != null && !flinkRestUrl.isBlank(),
                        "Flink REST URL must be set, e.g. http://127.0.0.1:8081");
                URI rest;
                try {
                    rest = URI.create(flinkRestUrl);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(
                            "Flink REST URL '" + flinkRestUrl + "' is not a URL", e);
                }
                require(
                        ("http".equals(rest.getScheme()) || "https".equals(rest.getScheme()))
                                && rest.getHost() != null,
                        "Flink REST URL must look like http://host:port, got '"
                                + flinkRestUrl
                                + "'");
                require(jobName != null && !jobName.isBlank(), "job name must not be blank");
                require(
                        queryableStateProxy != null,
                        "Queryable State proxy must be set, e.g. 127.0.0.1:9069");
                QueryableStateLookup.parseProxies(queryableStateProxy);
            } else {
                require(
                        shardDirectory.numShards() == shards,
                        "shard directory has "
                                + shardDirectory.numShards()
                                + " shards but shards is "
                                + shards);
            }
            require(
                    shardCircuitOpenMs >= 1 && shardCircuitOpenMs <= 600_000,
                    "shard circuit open time must be 1-600000 ms, got " + shardCircuitOpenMs);
            require(
                    maxBodyBytes >= 1024,
                    "max body bytes must be at least 1024, got " + maxBodyBytes);
            require(
                    maxBatchPoints >= 1 && maxBatchPoints <= 100_000,
                    "max batch points must be 1-100000, got " + maxBatchPoints);
            require(
                    requestTimeoutMs >= 1 && requestTimeoutMs <= HttpSettings.MAX_SEARCH_TIMEOUT_MS,
                    "request timeout must be 1-"
                            + HttpSettings.MAX_SEARCH_TIMEOUT_MS
                            + " ms, got "
                            + requestTimeoutMs);
            require(
                    directoryRefreshMs >= 10 && directoryRefreshMs <= 600_000,
                    "directory refresh must be 10-600000 ms, got " + directoryRefreshMs);
            require(
                    statusStaleMs > directoryRefreshMs,
                    "status staleness ("
                            + statusStaleMs
                            + " ms) must exceed the directory refresh ("
                            + directoryRefreshMs
                            + " ms)");
            require(ioThreads >= 0, "I/O threads must be >= 0, got " + ioThreads);
            require(
                    catalogWaitMs >= 0 && catalogWaitMs <= 600_000,
                    "catalog wait must be 0-600000 ms, got " + catalogWaitMs);
            require(
                    connectionsPerShardServer >= 1 && connectionsPerShardServer <= 64,
                    "connections per shard server must be 1-64, got " + connectionsPerShardServer);
            require(
                    resultCacheTtlMs >= 0 && resultCacheTtlMs <= 3_600_000,
                    "result cache TTL must be 0-3600000 ms, got " + resultCacheTtlMs);
            require(
                    resultCacheMaxBytes >= 0,
                    "result cache size must be >= 0 bytes, got " + resultCacheMaxBytes);
            require(rerankSettings != null, "rerank settings must not be null");
            require(
                    (tlsCert == null) == (tlsKey == null),
                    "TLS needs both a certificate chain and a private key, got only the "
                            + (tlsCert == null ? "key" : "certificate"));
            Builder b = copy();
            b.tls = tlsCert == null ? null : ServerTls.fromPem(tlsCert, tlsKey);
            return new QueryServer(b);
        }

        /** A snapshot, so changing this builder later does not change a built server. */
        private Builder copy() {
            Builder b = new Builder();
            b.host = host;
            b.port = port;
            b.bootstrapServers = bootstrapServers;
            b.topicPrefix = topicPrefix;
            b.shards = shards;
            b.maxParallelism = maxParallelism;
            b.flinkRestUrl = flinkRestUrl;
            b.jobName = jobName;
            b.queryableStateProxy = queryableStateProxy;
            b.maxBodyBytes = maxBodyBytes;
            b.maxBatchPoints = maxBatchPoints;
            b.requestTimeoutMs = requestTimeoutMs;
            b.resultCacheTtlMs = resultCacheTtlMs;
            b.resultCacheMaxBytes = resultCacheMaxBytes;
            b.shardCircuitOpenMs = shardCircuitOpenMs;
            b.catalogWaitMs = catalogWaitMs;
            b.rerankSettings = rerankSettings;
            b.directoryRefreshMs = directoryRefreshMs;
            b.statusStaleMs = statusStaleMs;
            b.ioThreads = ioThreads;
            b.connectionsPerShardServer = connectionsPerShardServer;
            b.shardDirectory = shardDirectory;
            b.kafkaProperties.putAll(kafkaProperties);
            b.apiKeys = apiKeys;
            b.metricsOpen = metricsOpen;
            b.tlsCert = tlsCert;
            b.tlsKey = tlsKey;
            return b;
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
