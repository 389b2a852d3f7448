/**
 * The keyed Flink operator that owns Quiver's shards.
 *
 * <p>{@link io.quiver.operator.IndexOperator} receives {@link io.quiver.operator.ShardOp}s keyed by
 * the shard's Flink key, keeps every live point in RocksDB-backed {@code MapState} (the truth),
 * mirrors it into one in-heap index per (shard, collection) that the shard server searches, and
 * publishes each shard's queryable {@code shard-status}. {@link io.quiver.operator.IndexFactory} is
 * where index types plug in.
 */
package io.quiver.operator;
