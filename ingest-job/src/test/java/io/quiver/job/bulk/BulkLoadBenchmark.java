package io.quiver.job.bulk;

import io.quiver.index.Metric;
import io.quiver.index.hnsw.HnswIndex;
import io.quiver.schemas.Topics;
import io.quiver.schemas.avro.Op;
import io.quiver.schemas.avro.UpsertRecord;
import io.quiver.schemas.collection.CollectionSpecs;
import io.quiver.schemas.record.UpsertCodec;
import io.quiver.testkit.EmbeddedKafka;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/**
 * Bulk-load rate against the HNSW core's own parallel build ({@link HnswIndex#addAll}) on the same
 * vectors in the same run: the anchor is built before and after the bulk loads (load drift on a
 * shared machine hits all), and each ratio is a bulk rate over the anchors' mean rate.
 *
 * <p>Arguments: {@code [vectors=100000] [dimension=32] [shards=8] [parallelism=2] [out dir]}. Two
 * bulk loads run in a local Flink environment with RocksDB, each ending in a savepoint: from an
 * {@code .fvecs} file, and from an upserts topic on an in-process broker holding the same vectors
 * as JSON records (produced before the clock starts; the load's time includes reading the specs and
 * end offsets). Times include starting the job and writing the savepoint. CSV to stdout (and {@code
 * bulk_load.csv} in the out dir): {@code system,vectors,dim,threads,seconds,vectors_per_s}. Run
 * through {@code scripts/bench/bulk-load}; not part of the test suite.
 */
public final class BulkLoadBenchmark {

    private static final int M = 16;
    private static final int EF_CONSTRUCTION = 200;

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int dim = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        int shards = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        int parallelism = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        Path out = Path.of(args.length > 4 ? args[4] : "target/bench-bulk-load");
        Files.createDirectories(out);
        int threads = Runtime.getRuntime().availableProcessors();

        float[][] vectors = new float[n][dim];
        Random random = new Random(42);
        for (float[] v : vectors) {
            for (int d = 0; d < dim; d++) {
                v[d] = (float) random.nextGaussian();
            }
        }
        Path file = out.resolve("base-" + n + "-" + dim + ".fvecs");
        writeFvecs(file, vectors);
        System.err.printf("bulk-load: %d x %d vectors in %s%n", n, dim, file);

        List<String> rows = new ArrayList<>();
        rows.add("system,vectors,dim,threads,seconds,vectors_per_s");
        double anchor1 = anchor(vectors, threads);
        rows.add(row("hnsw-addAll", n, dim, threads, anchor1));
        double bulk = bulkLoad(file, n, dim, shards, parallelism, out);
        rows.add(row("bulk-load-file", n, dim, threads, bulk));
        double topic = topicLoad(vectors, shards, parallelism, out);
        rows.add(row("bulk-load-topic", n, dim, threads, topic));
        double anchor2 = anchor(vectors, threads);
        rows.add(row("hnsw-addAll", n, dim, threads, anchor2));

        PrintStream csv = new PrintStream(Files.newOutputStream(out.resolve("bulk_load.csv")));
        for (String r : rows) {
            System.out.println(r);
            csv.println(r);
        }
        csv.close();
        // Rate per pass in run order: the two anchors' gap shows how much the machine's load moved.
        CategoryChart chart =
                new CategoryChartBuilder()
                        .width(800)
                        .height(500)
                        .title(
                                String.format(
                                        Locale.ROOT,
                                        "bulk load, %d x %d, %d shards",
                                        n,
                                        dim,
                                        shards))
                        .xAxisTitle("pass, in run order")
                        .yAxisTitle("vectors/s")
                        .build();
        chart.getStyler().setLegendVisible(false);
        chart.addSeries(
                "vectors/s",
                List.of("1 hnsw-addAll", "2 bulk-load-file", "3 bulk-load-topic", "4 hnsw-addAll"),
                List.of(n / anchor1, n / bulk, n / topic, n / anchor2));
        BitmapEncoder.saveBitmap(
                chart, out.resolve("bulk_load").toString(), BitmapEncoder.BitmapFormat.PNG);
        double anchorRate = n / ((anchor1 + anchor2) / 2);
        double bulkRate = n / bulk;
        double topicRate = n / topic;
        System.err.printf(
                Locale.ROOT,
                "bulk-load: from a file %.0f vectors/s, from a topic %.0f vectors/s;"
                        + " HnswIndex.addAll %.0f vectors/s (mean of %.1f s and %.1f s);"
                        + " ratios %.2f (file) and %.2f (topic)%n",
                bulkRate,
                topicRate,
                anchorRate,
                anchor1,
                anchor2,
                bulkRate / anchorRate,
                topicRate / anchorRate);
    }

    private static double anchor(float[][] vectors, int threads) {
        String[] ids = new String[vectors.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = Integer.toString(i);
        }
        long start = System.nanoTime();
        HnswIndex index =
                HnswIndex.builder(vectors[0].length, Metric.L2)
                        .m(M)
                        .efConstruction(EF_CONSTRUCTION)
                        .buildThreads(threads)
                        .build();
        index.addAll(vectors, ids);
        double s = (System.nanoTime() - start) / 1e9;
        System.err.printf(Locale.ROOT, "bulk-load: HnswIndex.addAll took %.1f s%n", s);
        return s;
    }

    private static byte[] spec(int dim) throws Exception {
        return CollectionSpecs.encode(
                CollectionSpecs.fromJson(
                        "bench",
                        UpsertCodec.mapper()
                                .readTree(
                                        "{\"dimension\": "
                                                + dim
                                                + ", \"metric\": \"l2\", \"index\":"
                                                + " {\"m\": "
                                                + M
                                                + ", \"ef_construction\": "
                                                + EF_CONSTRUCTION
                                                + "}}")));
    }

    private static double bulkLoad(Path file, int n, int dim, int shards, int parallelism, Path out)
            throws Exception {
        byte[] spec = spec(dim);
        Path savepoint = out.resolve("savepoint-" + System.currentTimeMillis());
        BulkLoadOptions options =
                BulkLoadOptions.builder()
                        .bootstrapServers("unused:9092")
                        .collection("bench")
                        .files(List.of(file.toUri().toString()))
                        .shards(shards)
                        .parallelism(parallelism)
                        .savepointPath(savepoint.toUri().toString())
                        .build();
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        long start = System.nanoTime();
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
        BulkLoad.build(env, options, spec).write(options.savepointPath());
        env.execute("bulk-load-benchmark");
        double s = (System.nanoTime() - start) / 1e9;
        System.err.printf(Locale.ROOT, "bulk-load: bulk load took %.1f s%n", s);
        return s;
    }

    private static double topicLoad(float[][] vectors, int shards, int parallelism, Path out)
            throws Exception {
        Topics topics = new Topics("bench");
        try (EmbeddedKafka kafka = EmbeddedKafka.create().start()) {
            kafka.createTopic(topics.upserts(), parallelism);
            kafka.createTopic(topics.collections(), 1, Map.of("cleanup.policy", "compact"));
            kafka.createTopic(topics.deadLetters(), 1);
            System.err.printf("bulk-load: producing %d upserts to %s%n", vectors.length, kafka);
            try (KafkaProducer<byte[], byte[]> producer = kafka.createProducer()) {
                producer.send(
                                new ProducerRecord<>(
                                        topics.collections(),
                                        utf8("bench"),
                                        spec(vectors[0].length)))
                        .get();
                for (int i = 0; i < vectors.length; i++) {
                    List<Float> v = new ArrayList<>(vectors[i].length);
                    for (float f : vectors[i]) {
                        v.add(f);
                    }
                    UpsertRecord r =
                            UpsertRecord.newBuilder()
                                    .setCollection("bench")
                                    .setId(Integer.toString(i))
                                    .setOp(Op.UPSERT)
                                    .setVector(v)
                                    .build();
                    producer.send(
                            new ProducerRecord<>(
                                    topics.upserts(),
                                    utf8(Topics.pointKey("bench", r.getId())),
                                    UpsertCodec.encodeJson(r)));
                }
                producer.flush();
            }
            Path savepoint = out.resolve("savepoint-topic-" + System.currentTimeMillis());
            BulkLoadOptions options =
                    BulkLoadOptions.builder()
                            .bootstrapServers(kafka.bootstrapServers())
                            .topicPrefix(topics.prefix())
                            .topic(topics.upserts())
                            .shards(shards)
                            .parallelism(parallelism)
                            .savepointPath(savepoint.toUri().toString())
                            .build();
            Configuration conf = new Configuration();
            conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
            long start = System.nanoTime();
            BulkLoad.run(
                    StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf), options);
            double s = (System.nanoTime() - start) / 1e9;
            System.err.printf(Locale.ROOT, "bulk-load: topic load took %.1f s%n", s);
            return s;
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String row(String system, int n, int dim, int threads, double seconds) {
        return String.format(
                Locale.ROOT,
                "%s,%d,%d,%d,%.2f,%.0f",
                system,
                n,
                dim,
                threads,
                seconds,
                n / seconds);
    }

    private static void writeFvecs(Path file, float[][] vectors) throws Exception {
        try (OutputStream raw = Files.newOutputStream(file);
                DataOutputStream o = new DataOutputStream(new BufferedOutputStream(raw, 1 << 16))) {
            for (float[] v : vectors) {
                o.writeInt(Integer.reverseBytes(v.length));
                for (float f : v) {
                    o.writeInt(Integer.reverseBytes(Float.floatToIntBits(f)));
                }
            }
        }
    }
}
