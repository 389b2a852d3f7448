package io.quiver.job.bulk;

import java.util.Locale;

/**
 * The file formats a bulk load reads. Every format holds float32 vectors; JSON lines and Avro
 * records also carry ids and payloads.
 *
 * <ul>
 *   <li>{@code fvecs}: per vector a little-endian int32 dimension, then that many float32 (the
 *       TEXMEX / ann-benchmarks layout). Ids come from the position.
 *   <li>{@code npy}: a NumPy {@code .npy} file (format 1.0 to 3.0) holding one C-order 2-d array of
 *       little-endian float32 ({@code <f4}). Ids come from the position.
 *   <li>{@code jsonl}: one upsert per line as on the upserts topic: {@code {"id": "a1", "vector":
 *       [...], "payload": {...}}}; a {@code collection} field, when present, must name the loaded
 *       collection. Blank lines are skipped.
 *   <li>{@code avro}: an Avro object container file of {@code UpsertRecord}s (schema {@code
 *       UpsertRecord.avsc}).
 * </ul>
 */
public enum BulkFormat {
    FVECS(false),
    NPY(false),
    JSONL(true),
    AVRO(true);

    private final boolean carriesIds;

    BulkFormat(boolean carriesIds) {
        this.carriesIds = carriesIds;
    }

    /** Whether records of this format carry their own ids (and payloads). */
    public boolean carriesIds() {
        return carriesIds;
    }

    /**
     * The format named by {@code name} ({@code fvecs}, {@code npy}, {@code jsonl}, {@code avro}).
     */
    public static BulkFormat parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "bulk format must be fvecs, npy, jsonl or avro, got '" + name + "'");
        }
    }

    /** The format a file's extension names ({@code .json} and {@code .ndjson} are JSON lines). */
    public static BulkFormat ofFile(String fileName) {
        String lower = fileName.toLowerCase(Locale.ROOT);
        int dot = lower.lastIndexOf('.');
        String ext = dot < 0 ? "" : lower.substring(dot + 1);
        switch (ext) {
            case "fvecs":
                return FVECS;
            case "npy":
                return NPY;
            case "jsonl":
            case "json":
            case "ndjson":
                return JSONL;
            case "avro":
                return AVRO;
            default:
                throw new IllegalArgumentException(
                        "cannot tell the format of '"
                                + fileName
                                + "' from its extension (.fvecs, .npy, .jsonl, .avro); name it"
                                + " with --bulk-format");
        }
    }
}
