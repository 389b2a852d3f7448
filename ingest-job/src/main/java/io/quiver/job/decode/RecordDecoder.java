package io.quiver.job.decode;

import io.quiver.job.kafka.KafkaBytes;
import io.quiver.operator.ShardOp;
import io.quiver.schemas.Limits;
import io.quiver.schemas.avro.CollectionSpec;
import io.quiver.schemas.avro.Op;
import io.quiver.schemas.avro.UpsertRecord;
import io.quiver.schemas.record.InvalidRecordException;
import io.quiver.schemas.record.Reason;
import io.quiver.schemas.record.RecordFormat;
import io.quiver.schemas.record.RecordValidator;
import io.quiver.schemas.record.UpsertCodec;
import io.quiver.schemas.routing.ShardKeys;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Turns one upserts-topic record into a {@link ShardOp} for its shard, a rejection with a {@link
 * Reason}, or "park": the record is well formed but names a collection whose spec has not arrived
 * (yet). Pure logic without Flink, shared rules from {@link RecordValidator}.
 */
public final class RecordDecoder {

    /** What to do with a record. */
    public enum Action {
        FORWARD,
        PARK,
        REJECT
    }

    /** The decision for one record. */
    public static final class Outcome {
        private final Action action;
        private final ShardOp op;
        private final String collection;
        private final Reason reason;
        private final String message;

        private Outcome(Action action, ShardOp op, String collection, Reason reason, String msg) {
            this.action = action;
            this.op = op;
            this.collection = collection;
            this.reason = reason;
            this.message = msg;
        }

        public Action action() {
            return action;
        }

        /** The op to send, for {@link Action#FORWARD}. */
        public ShardOp op() {
            return op;
        }

        /** The unknown collection, for {@link Action#PARK}. */
        public String collection() {
            return collection;
        }

        /** Why, for {@link Action#REJECT}. */
        public Reason reason() {
            return reason;
        }

        public String message() {
            return message;
        }
    }

    private final RecordFormat format;
    private final ShardKeys shardKeys;

    public RecordDecoder(RecordFormat format, ShardKeys shardKeys) {
        this.format = format;
        this.shardKeys = shardKeys;
    }

    /** Decides what to do with {@code in} given the collections known now. */
    public Outcome decode(KafkaBytes in, Map<String, CollectionSpec> specs) {
        UpsertRecord record;
        try {
            record = UpsertCodec.decode(in.value, format);
            RecordValidator.checkId(record.getId());
            checkCollectionName(record.getCollection());
        } catch (InvalidRecordException e) {
            return reject(e.reason(), e.getMessage());
        } catch (RuntimeException e) {
            // The codec maps every parse failure to InvalidRecordException; anything else is a
            // record shape it did not foresee, still the record's fault, never the job's.
            Reason reason =
                    UpsertCodec.isAvroSingleObject(in.value)
                            ? Reason.MALFORMED_AVRO
                            : Reason.MALFORMED_JSON;
            return reject(reason, "cannot decode record: " + e);
        }
        CollectionSpec spec = specs.get(record.getCollection());
        if (spec == null) {
            return new Outcome(Action.PARK, null, record.getCollection(), null, null);
        }
        float[] vector;
        try {
            vector = RecordValidator.validate(record, spec);
        } catch (InvalidRecordException e) {
            return reject(e.reason(), e.getMessage());
        }
        int key = shardKeys.keyOf(shardKeys.shardOf(record.getCollection(), record.getId()));
        long version = record.getVersion() == null ? ShardOp.NO_VERSION : record.getVersion();
        ShardOp op;
        if (record.getOp() == Op.DELETE) {
            op =
                    ShardOp.delete(
                            key,
                            record.getCollection(),
                            record.getId(),
                            version,
                            in.partition,
                            in.offset);
        } else {
            byte[] payload =
                    record.getPayload() == null
                            ? null
                            : record.getPayload().getBytes(StandardCharsets.UTF_8);
            op =
                    ShardOp.upsert(
                            key,
                            record.getCollection(),
                            record.getId(),
                            vector,
                            payload,
                            version,
                            in.partition,
                            in.offset);
        }
        return new Outcome(Action.FORWARD, op, record.getCollection(), null, null);
    }

    /** An outcome refusing a record that will never become valid after a grace period. */
    public static Outcome unknownCollection(String collection, long waitedMillis) {
        return reject(
                Reason.UNKNOWN_COLLECTION,
                "collection '"
                        + collection
                        + "' does not exist (waited "
                        + waitedMillis
                        + " ms for its spec)");
    }

    private static Outcome reject(Reason reason, String message) {
        return new Outcome(Action.REJECT, null, null, reason, message);
    }

    private static void checkCollectionName(String name) {
        try {
            Limits.checkCollectionName(name);
        } catch (IllegalArgumentException e) {
            throw new InvalidRecordException(Reason.INVALID_COLLECTION, e.getMessage());
        }
    }
}
