package io.quiver.operator;

import java.util.function.Consumer;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;

/** Opens the index operator in a keyed test harness on RocksDB, as one subtask of one. */
final class OperatorHarnesses {

    static final int MAX_PARALLELISM = 128;

    private OperatorHarnesses() {}

    /**
     * An open harness over {@code shards} shards, restored from {@code restoreFrom} when not null;
     * {@code jobConf} sets job configuration keys before the operator starts. Upsert batching is
     * off unless {@code jobConf} sets {@link BatchOptions#MAX_DELAY_MILLIS}.
     */
    static KeyedOneInputStreamOperatorTestHarness<Integer, ShardOp, Void> open(
            int shards, OperatorSubtaskState restoreFrom, Consumer<Configuration> jobConf)
            throws Exception {
        return open(shards, restoreFrom, jobConf, operator -> {});
    }

    /** {@link #open(int, OperatorSubtaskState, Consumer)}, with {@code beforeOpen} run first. */
    static KeyedOneInputStreamOperatorTestHarness<Integer, ShardOp, Void> open(
            int shards,
            OperatorSubtaskState restoreFrom,
            Consumer<Configuration> jobConf,
            Consumer<IndexOperator> beforeOpen)
            throws Exception {
        IndexOperator operator =
                new IndexOperator(shards, MAX_PARALLELISM, IndexFactory.defaults());
        beforeOpen.accept(operator);
        KeyedOneInputStreamOperatorTestHarness<Integer, ShardOp, Void> h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        operator, op -> op.shardKey, Types.INT, MAX_PARALLELISM, 1, 0);
        h.setStateBackend(new EmbeddedRocksDBStateBackend());
        // Each upsert is applied as it arrives unless a test turns batching on: the harness's
        // processing time only moves when a test moves it.
        h.getEnvironment().getJobConfiguration().set(BatchOptions.MAX_DELAY_MILLIS, 0L);
        jobConf.accept(h.getEnvironment().getJobConfiguration());
        if (restoreFrom != null) {
            h.initializeState(restoreFrom);
        }
        h.open();
        return h;
    }
}
