package io.quiver.query.testing;

import io.quiver.query.routing.ShardEndpoint;
import io.quiver.schemas.routing.ShardKeys;
import io.quiver.schemas.status.ShardStatus;
import java.io.IOException;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * A Flink job that does what the index operator does for discovery only: keeps, under every shard's
 * key, a queryable {@code shard-status} value naming a given endpoint, refreshed a few times per
 * second.
 */
public final class ShardStatusJob {

    private ShardStatusJob() {}

    /** Flink settings that turn Queryable State on with the given ports. */
    public static Configuration queryableState(int proxyPort, int serverPort) {
        Configuration c = new Configuration();
        c.setString("queryable-state.enable", "true");
        c.setString("queryable-state.proxy.ports", String.valueOf(proxyPort));
        c.setString("queryable-state.server.ports", String.valueOf(serverPort));
        return c;
    }

    /** Submits the job; shard s announces {@code endpoints.get(s)}. */
    public static JobClient submit(
            String name, int shards, int maxParallelism, Map<Integer, ShardEndpoint> endpoints)
            throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        env.setMaxParallelism(maxParallelism);
        ShardKeys keys = new ShardKeys(shards, maxParallelism);
        int[] shardKeys = new int[shards];
        String[] hosts = new String[shards];
        int[] ports = new int[shards];
        for (int s = 0; s < shards; s++) {
            shardKeys[s] = keys.keyOf(s);
            hosts[s] = endpoints.get(s).host();
            ports[s] = endpoints.get(s).port();
        }
        DataGeneratorSource<Integer> ticks =
                new DataGeneratorSource<>(
                        i -> shardKeys[(int) (i % shards)],
                        Long.MAX_VALUE,
                        RateLimiterStrategy.perSecond(10.0 * shards),
                        Types.INT);
        env.fromSource(ticks, WatermarkStrategy.noWatermarks(), "ticks")
                .keyBy(k -> k, Types.INT)
                .process(new StatusWriter(shards, maxParallelism, hosts, ports))
                .name("shard-status");
        return env.executeAsync(name);
    }

    /** Writes a ready status for the shard of every element's key, stamped with the time. */
    static final class StatusWriter extends KeyedProcessFunction<Integer, Integer, Void> {

        private static final long serialVersionUID = 1L;

        private final int shards;
        private final int maxParallelism;
        private final String[] hosts;
        private final int[] ports;
        private transient ValueState<byte[]> status;
        private transient ShardKeys keys;

        StatusWriter(int shards, int maxParallelism, String[] hosts, int[] ports) {
            this.shards = shards;
            this.maxParallelism = maxParallelism;
            this.hosts = hosts;
            this.ports = ports;
        }

        @Override
        @SuppressWarnings("deprecation")
        public void open(OpenContext ctx) {
            ValueStateDescriptor<byte[]> d =
                    new ValueStateDescriptor<>(
                            ShardStatus.QUERYABLE_NAME,
                            PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
            d.setQueryable(ShardStatus.QUERYABLE_NAME);
            status = getRuntimeContext().getState(d);
            keys = new ShardKeys(shards, maxParallelism);
        }

        @Override
        public void processElement(Integer value, Context ctx, Collector<Void> out)
                throws IOException {
            int shard = keys.shardOfKey(ctx.getCurrentKey());
            status.update(
                    new ShardStatus(
                                    shard,
                                    shards,
                                    hosts[shard],
                                    ports[shard],
                                    true,
                                    shard * 10L,
                                    1,
                                    System.currentTimeMillis(),
                                    new int[] {0},
                                    new long[] {shard})
                            .toBytes());
        }
    }
}
