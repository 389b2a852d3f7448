/**
 * The ANN benchmark ({@code scripts/bench/ann}): Quiver's HNSW against hnswlib and Lucene on the
 * same data in the same run, plus a seeded synthetic data generator. Not used at run time.
 */
package io.quiver.index.bench;
