/**
 * Quiver's Flink job: {@link io.quiver.job.QuiverJob} (command line and pipeline) and {@link
 * io.quiver.job.JobOptions}. Pipeline: Kafka upserts (forward) and collections (broadcast) → decode
 * → keyBy(shard) → index operator; refused records → dead-letter topic. Operator uids: {@code
 * quiver-upserts-source}, {@code quiver-collections-source}, {@code quiver-decode}, {@code
 * quiver-index}, {@code quiver-dead-letter-sink}; they must never change, or savepoints stop
 * restoring.
 */
package io.quiver.job;
