package io.quiver.query.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quiver.schemas.record.UpsertCodec;

/** The JSON mapper of the query server: the one schemas configures for every Quiver JSON. */
public final class Json {

    /**
     * Accepts {@code NaN} and {@code Infinity} (so validation can name the bad component instead of
     * calling the body malformed), refuses duplicate keys and trailing data.
     */
    public static final ObjectMapper MAPPER = UpsertCodec.mapper();

    private Json() {}
}
