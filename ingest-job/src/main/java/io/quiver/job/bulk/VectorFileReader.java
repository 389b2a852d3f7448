package io.quiver.job.bulk;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads the records of one bulk file in order. Malformed content throws {@link IOException} naming
 * the position; a record that is well-formed but invalid for the collection is the caller's to
 * judge.
 */
interface VectorFileReader extends Closeable {

    /** The next record, or null at the end of the file. */
    BulkRecord next() throws IOException;

    /**
     * A reader of {@code in} (which it closes) in {@code format}; {@code collection} is the one
     * being loaded.
     */
    static VectorFileReader open(
            BulkFormat format, InputStream in, String fileName, String collection)
            throws IOException {
        switch (format) {
            case FVECS:
                return new FvecsReader(in, fileName);
            case NPY:
                return new NpyReader(in, fileName);
            case JSONL:
                return new JsonLinesReader(in, collection);
            case AVRO:
                return new AvroUpsertsReader(in, fileName);
            default:
                throw new IllegalArgumentException("unknown format " + format);
        }
    }
}
