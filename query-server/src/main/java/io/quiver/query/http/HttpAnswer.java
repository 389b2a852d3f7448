package io.quiver.query.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.quiver.query.internal.Json;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an endpoint answers: a status, a JSON body and any extra headers. Encoding it into a Netty
 * response is the router's job, so endpoints stay free of channel code.
 */
public record HttpAnswer(HttpResponseStatus status, byte[] body, Map<String, String> headers) {

    public HttpAnswer {
        headers = Map.copyOf(headers);
    }

    public static HttpAnswer json(HttpResponseStatus status, JsonNode body) {
        try {
            return new HttpAnswer(status, Json.MAPPER.writeValueAsBytes(body), Map.of());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a JSON answer", e);
        }
    }

    public static HttpAnswer ok(JsonNode body) {
        return json(HttpResponseStatus.OK, body);
    }

    public HttpAnswer withHeader(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new HttpAnswer(status, body, h);
    }
}
