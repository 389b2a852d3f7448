package io.quiver.query.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.quiver.query.testing.Ports;
import io.quiver.query.testing.ShardStatusJob;
import io.quiver.schemas.routing.ShardKeys;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The directory against a real Flink MiniCluster with Queryable State, reading the {@code
 * shard-status} values a small job keeps the way the index operator does.
 */
class QueryableStateShardDirectoryITCase {

    private static final int SHARDS = 4;
    private static final int MAX_PARALLELISM = 128;
    private static final String JOB = "directory-it";
    private static final int PROXY_PORT = Ports.free();

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setConfiguration(
                                    ShardStatusJob.queryableState(PROXY_PORT, Ports.free()))
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    private static String restUrl;

    @BeforeAll
    static void findRest(@InjectClusterClient RestClusterClient<?> client) {
        restUrl = client.getWebInterfaceURL();
    }

    private static Map<Integer, ShardEndpoint> endpoints() {
        Map<Integer, ShardEndpoint> out = new HashMap<>();
        for (int s = 0; s < SHARDS; s++) {
            out.put(s, new ShardEndpoint("127.0.0.1", 7000 + s % 2));
        }
        return out;
    }

    @Test
    void locatesEveryShardThenFollowsTheJobThroughAResubmission() throws Exception {
        try (QueryableStateShardDirectory directory =
                new QueryableStateShardDirectory(
                        new ShardKeys(SHARDS, MAX_PARALLELISM),
                        new FlinkRestJobLocator(URI.create(restUrl), JOB),
                        new QueryableStateLookup(new ShardEndpoint("127.0.0.1", PROXY_PORT)),
                        Duration.ofMillis(200),
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(10))) {
            directory.start();
            assertThat(directory.allReady()).isFalse();

            JobClient first = ShardStatusJob.submit(JOB, SHARDS, MAX_PARALLELISM, endpoints());
            await().atMost(Duration.ofSeconds(60)).until(directory::allReady);
            for (int s = 0; s < SHARDS; s++) {
                ShardInfo info = directory.shard(s);
                assertThat(info.endpoint()).isEqualTo(new ShardEndpoint("127.0.0.1", 7000 + s % 2));
                assertThat(info.status().vectorCount()).isEqualTo(s * 10L);
                assertThat(info.appliedOffsets()).containsEntry(0, (long) s);
            }

            first.cancel().get();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> directory.shards().stream().noneMatch(ShardInfo::searchable));

            JobClient second = ShardStatusJob.submit(JOB, SHARDS, MAX_PARALLELISM, endpoints());
            assertThat(second.getJobID()).isNotEqualTo(first.getJobID());
            // Well within the 10 s periodic re-check: the directory notices the new job itself.
            await().atMost(Duration.ofSeconds(8)).until(directory::allReady);
            second.cancel().get();
        }
    }
}
