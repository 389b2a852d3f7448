package io.quiver.job.bulk;

/**
 * One point read from a bulk file: its id (null when the format has none: the position names it),
 * its vector, its payload JSON (or null) and the collection the record names (or null).
 */
record BulkRecord(String id, float[] vector, String payload, String collection) {

    BulkRecord(String id, float[] vector, String payload) {
        this(id, vector, payload, null);
    }
}
