package io.quiver.query.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.quiver.query.internal.Json;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Payload bytes from the shards as JSON in answers. */
final class Payloads {

    private static final Logger LOG = LoggerFactory.getLogger(Payloads.class);

    private Payloads() {}

    /**
     * The payload as a JSON tree; JSON null when there is none or when it cannot be read (which
     * cannot happen for payloads validated on the way in, so it is logged).
     */
    static JsonNode toJson(byte[] payload) {
        if (payload == null) {
            return Json.MAPPER.nullNode();
        }
        try {
            return Json.MAPPER.readTree(payload);
        } catch (IOException e) {
            LOG.warn("A shard returned an unreadable payload: {}", e.getMessage());
            return Json.MAPPER.nullNode();
        }
    }
}
