/**
 * Decoding and validation of upserts-topic records, parking of records whose collection is not
 * known yet, and the per-partition offset markers that let shards report what they have applied.
 */
package io.quiver.job.decode;
