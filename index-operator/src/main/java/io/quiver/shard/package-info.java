/**
 * The shard server: one Netty server per TaskManager JVM answering the binary search RPC of {@code
 * io.quiver.schemas.rpc} on the shards index operators in that JVM publish.
 *
 * <p>How a client uses it: read each shard's {@code shard-status} through Queryable State (key
 * {@code ShardKeys#keyOf(shard)} as {@code Integer}, value {@code byte[]} decoded by {@code
 * ShardStatus}), group shards by {@code host:port}, send one SEARCH frame per server. Every asked
 * shard gets one result: {@code OK} with hits and the offsets applied when it searched, {@code
 * NOT_HERE} (rediscover), {@code RECOVERING} (retry), {@code UNKNOWN_COLLECTION}, {@code TIMEOUT}
 * (required offsets not reached in time) or {@code ERROR} (bad query, with a message). A frame that
 * cannot be read is answered with an ERROR frame. A SEARCH's filter is compiled once per request
 * ({@code PayloadFilter}) and applied to each candidate's payload. GET frames read one point of one
 * shard (its vector as written and payload); COUNT frames count live points per shard, optionally
 * filtered; TERM_STATS frames give the BM25 statistics each shard keeps of a collection's text
 * field ({@code TermStatistics}) for a query's terms; all three answer what is applied now, with
 * the same statuses. Applied offsets are inclusive: offset {@code o} of partition {@code p} means
 * every record at or below {@code o} is searchable (or was refused).
 */
package io.quiver.shard;
