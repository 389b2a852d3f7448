package io.quiver.index.hnsw;

import java.io.IOException;

/**
 * Bytes that are not a valid index snapshot: wrong magic or version, a checksum mismatch, a value
 * out of range, or a stream that ends early. Nothing was loaded; rebuild the index from its
 * records.
 */
public final class CorruptIndexException extends IOException {

    private static final long serialVersionUID = 1L;

    public CorruptIndexException(String message) {
        super(message);
    }

    public CorruptIndexException(String message, Throwable cause) {
        super(message, cause);
    }
}
