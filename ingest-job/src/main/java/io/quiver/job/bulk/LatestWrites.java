package io.quiver.job.bulk;

import io.quiver.operator.ShardOp;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The outcome of one shard's upserts and deletes, applied in arrival order with the index
 * operator's rules (see {@code IndexOperator}): last writer wins; a write carrying a version is
 * ignored when the point's current version is strictly greater; a delete removes the point
 * entirely, so a later upsert of the same id applies again. What is left is what the streaming job
 * would hold after reading the same records.
 *
 * <p>Not thread-safe. Memory: every live point's vector and payload, until {@link #clear}.
 */
final class LatestWrites {

    /** A live point and where its last accepted write came from. */
    record Write(float[] vector, byte[] payload, long version, int partition, long offset) {}

    private final Map<String, Map<String, Write>> byCollection = new LinkedHashMap<>();
    private long stale;

    /** Applies an upsert or delete op; other kinds are ignored. */
    void apply(ShardOp op) {
        Map<String, Write> points = byCollection.get(op.collection);
        Write current = points == null ? null : points.get(op.id);
        if (op.version != ShardOp.NO_VERSION && current != null && current.version > op.version) {
            stale++;
            return;
        }
        if (op.kind == ShardOp.Kind.UPSERT) {
            if (points == null) {
                points = new LinkedHashMap<>();
                byCollection.put(op.collection, points);
            }
            points.put(
                    op.id, new Write(op.vector, op.payload, op.version, op.partition, op.offset));
        } else if (op.kind == ShardOp.Kind.DELETE && current != null) {
            points.remove(op.id);
        }
    }

    /** Live points per collection, in the order their ids were first written. */
    Map<String, Map<String, Write>> collections() {
        return byCollection;
    }

    /** Writes ignored because the point held a newer version. */
    long stale() {
        return stale;
    }

    void clear() {
        byCollection.clear();
    }
}
