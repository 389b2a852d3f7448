/**
 * Quiver's HNSW index: {@link io.quiver.index.hnsw.HnswIndex} is the entry point.
 *
 * <p>Layout, chosen for search speed from Java: vectors sit in a few large pages ({@code float[]}
 * or int8 {@code byte[]}, one slice per node), level-0 neighbour lists in one {@code int[]} per
 * page with a count slot, upper levels in one small {@code int[]} per node that has them. Search
 * state (generation-stamped visited array, two heaps of packed {@code (distance, id)} longs, query
 * buffers) lives in a reusable {@link io.quiver.index.hnsw.SearchScratch}, so a warm search
 * allocates nothing.
 *
 * <p>Decisions worth knowing:
 *
 * <ul>
 *   <li>Searches take no lock; the one writer (or the bulk builder's threads) locks one node's
 *       stripe at a time while rewriting its list. A racy reader may see a list mid-rewrite; every
 *       id in it is still a valid node.
 *   <li>Deletes are tombstones plus neighbour repair; {@code rebuild()} compacts. Upserting an
 *       existing id deletes the old node first, so an id is never returned twice.
 *   <li>int8 uses one affine map per index (calibrated on the first vectors or the bulk load);
 *       graph search compares codes, and with rescoring (default) the ef candidates are re-ranked
 *       by exact float32 distance read from a {@link io.quiver.index.hnsw.VectorSource} the caller
 *       attaches (a shard's stored vectors): the index keeps no float copy of its own.
 *   <li>Filters: graph search with the filter applied to results only; below {@code
 *       DEFAULT_EXACT_SELECTIVITY} (estimated on a sample when not given) or once the graph search
 *       has computed as many distances as an exact scan would, an exact scan answers.
 *   <li>Snapshots: format version 1 (see {@code HnswFormat}) with CRC-32C on the header and the
 *       body; version 2 leaves out live points' float32 vectors, which the reader takes from a
 *       {@link io.quiver.index.hnsw.VectorSource}. Bad bytes raise {@link
 *       io.quiver.index.hnsw.CorruptIndexException}.
 * </ul>
 */
package io.quiver.index.hnsw;
