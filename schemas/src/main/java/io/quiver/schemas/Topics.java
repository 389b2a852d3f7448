package io.quiver.schemas;

/**
 * The Kafka topics of one Quiver deployment, all named after one prefix (default {@code quiver}).
 *
 * <ul>
 *   <li>{@code <prefix>.upserts}: upserts and deletes, key {@code collection/id}, JSON or Avro
 *       single-object encoding;
 *   <li>{@code <prefix>.collections}: compacted, key = collection name, value = the spec as JSON, a
 *       null value (tombstone) deletes the collection;
 *   <li>{@code <prefix>.dead-letters}: every record the job could not accept, with the original
 *       bytes and the reason in headers (see {@link DeadLetterHeaders}).
 * </ul>
 */
public final class Topics {

    public static final String DEFAULT_PREFIX = "quiver";

    private final String prefix;

    public Topics(String prefix) {
        if (prefix == null || !prefix.matches("[A-Za-z0-9._-]{1,200}")) {
            throw new IllegalArgumentException(
                    "topic prefix '" + prefix + "' must be 1-200 characters of [A-Za-z0-9._-]");
        }
        this.prefix = prefix;
    }

    public String prefix() {
        return prefix;
    }

    public String upserts() {
        return prefix + ".upserts";
    }

    public String collections() {
        return prefix + ".collections";
    }

    public String deadLetters() {
        return prefix + ".dead-letters";
    }

    /** The Kafka record key of a point: {@code collection/id}. */
    public static String pointKey(String collection, String id) {
        return collection + "/" + id;
    }
}
