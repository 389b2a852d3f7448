/** Kafka records as the job reads and writes them: raw bytes in, dead letters with headers out. */
package io.quiver.job.kafka;
