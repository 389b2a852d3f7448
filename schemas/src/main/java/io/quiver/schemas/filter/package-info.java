/**
 * Payload filters of searches and counts: the condition tree ({@link
 * io.quiver.schemas.filter.Filter}), its JSON form (Qdrant's syntax) and the rules that bound it.
 * The query server validates a filter with {@link io.quiver.schemas.filter.Filters}; the shard
 * server reads the same JSON from the search RPC and evaluates it.
 */
package io.quiver.schemas.filter;
