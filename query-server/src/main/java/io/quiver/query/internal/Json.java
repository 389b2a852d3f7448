package io.quiver.query.internal;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.quiver.schemas.record.UpsertCodec;

/** The JSON mapper of the query server: the one schemas configures for every Quiver JSON. */
public final class Json {

    /**
     * Accepts {@code NaN} and {@code Infinity} (so validation can name the bad component instead of
     * calling the body malformed), refuses duplicate keys and trailing data. Decimal numbers go
     * through Jackson's fast parser: a search body is hundreds of them, and it rounds exactly as
     * {@link Double#parseDouble} does, so every value is the same.
     */
    public static final ObjectMapper MAPPER =
            ((JsonMapper) UpsertCodec.mapper())
                    .rebuild()
                    .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
                    .build();

    private Json() {}
}
