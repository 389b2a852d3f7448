package io.quiver.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.quiver.schemas.Topics;
import io.quiver.schemas.routing.ShardKeys;
import io.quiver.schemas.status.ShardStatus;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import org.apache.flink.api.common.JobID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A bulk load of 100k vectors from an {@code .fvecs} file into a savepoint, then the streaming job
 * started from it with upserts on top: every point searchable, the graphs loaded from the bulk
 * snapshots rather than rebuilt.
 */
class BulkLoadITCase {

    private static final int SHARDS = 8;
    private static final int MAX_PARALLELISM = 128;
    private static final int DIM = 8;
    private static final int BULK = 100_000;
    private static final String COLLECTION = "loaded";
    private static final Topics TOPICS = new Topics("bl");
    private static final ShardKeys KEYS = new ShardKeys(SHARDS, MAX_PARALLELISM);

    @RegisterExtension static final JobProbe.Stack STACK = new JobProbe.Stack(TOPICS, KEYS, 2);

    @Test
    void aBulkLoadedSavepointStartsTheStreamingJobWithEveryPointSearchable() throws Exception {
        JobProbe probe = STACK.probe();
        try (KafkaProducer<byte[], byte[]> producer = STACK.kafka().createProducer()) {
            probe.putCollection(
                    producer,
                    COLLECTION,
                    "{\"dimension\": "
                            + DIM
                            + ", \"metric\": \"cosine\", \"index\": {\"m\": 12,"
                            + " \"ef_construction\": 100}}");
        }
        float[][] base = new float[BULK][];
        Random random = new Random(51);
        for (int i = 0; i < BULK; i++) {
            base[i] = vector(random);
        }
        Path file = STACK.dir().resolve("base.fvecs");
        writeFvecs(file, base);

        Path savepointDir = STACK.dir().resolve("bulk-savepoint");
        int code =
                STACK.bulkLoad(
                        savepointDir,
                        "--bulk-collection",
                        COLLECTION,
                        "--bulk-file",
                        file.toString());
        assertThat(code).isZero();

        JobID id = STACK.startFromBulkSavepoint(savepointDir.toUri().toString(), "quiver-bulk-it");
        Map<Integer, ShardStatus> shards = probe.awaitAllShards(id);

        // Streaming upserts on top: new points, and new vectors for some loaded ids.
        Map<String, float[]> streamed = new ConcurrentHashMap<>();
        Map<Integer, Long> lastOffsets = new ConcurrentHashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = STACK.kafka().createProducer()) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                float[] v = vector(random);
                streamed.put("s" + i, v);
                sent.add(probe.upsert(producer, COLLECTION, "s" + i, v));
            }
            for (int i = 0; i < 500; i++) {
                float[] v = vector(random);
                streamed.put(Integer.toString(i * 7), v);
                sent.add(probe.upsert(producer, COLLECTION, Integer.toString(i * 7), v));
            }
            JobProbe.acknowledged(producer, sent, lastOffsets);
        }
        int[] partitions = JobProbe.partitions(lastOffsets);
        long[] offsets = JobProbe.offsets(lastOffsets);
        for (Map.Entry<String, float[]> e : streamed.entrySet()) {
            assertFinds(shards, e.getKey(), e.getValue(), partitions, offsets);
        }
        for (int i = 3; i < BULK; i += 97) {
            if (!streamed.containsKey(Integer.toString(i))) {
                assertFinds(shards, Integer.toString(i), base[i], partitions, offsets);
            }
        }
        assertThat(probe.totalVectors(id)).isEqualTo(BULK + 1000);
    }

    private static void assertFinds(
            Map<Integer, ShardStatus> shards,
            String pointId,
            float[] vector,
            int[] partitions,
            long[] offsets)
            throws Exception {
        // k = 10 and a wide ef keep this about presence, not about the graph's recall at k = 1.
        List<JobProbe.Hit> hits =
                STACK.probe().search(shards, COLLECTION, vector, 10, 256, partitions, offsets);
        assertThat(JobProbe.ids(hits)).as("point %s", pointId).contains(pointId);
    }

    static void writeFvecs(Path file, float[][] vectors) throws Exception {
        try (OutputStream raw = Files.newOutputStream(file);
                DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw))) {
            for (float[] v : vectors) {
                out.writeInt(Integer.reverseBytes(v.length));
                for (float f : v) {
                    out.writeInt(Integer.reverseBytes(Float.floatToIntBits(f)));
                }
            }
        }
    }

    private static float[] vector(Random random) {
        float[] v = new float[DIM];
        for (int d = 0; d < DIM; d++) {
            v[d] = random.nextFloat() - 0.5f;
        }
        return v;
    }
}
