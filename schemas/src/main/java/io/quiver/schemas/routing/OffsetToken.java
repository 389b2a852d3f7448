package io.quiver.schemas.routing;

import java.util.Map;
import java.util.TreeMap;

/**
 * A read-your-writes token: for each upserts-topic partition, the highest offset a client wrote.
 * Text form {@code "0:15,3:7"} (partition:offset, comma separated), opaque to users.
 */
public final class OffsetToken {

    private OffsetToken() {}

    public static String format(Map<Integer, Long> offsets) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<Integer, Long> e : new TreeMap<>(offsets).entrySet()) {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(e.getKey()).append(':').append(e.getValue());
        }
        return sb.toString();
    }

    /**
     * Parses a token; the highest offset wins where a partition repeats.
     *
     * @throws IllegalArgumentException naming the bad part
     */
    public static Map<Integer, Long> parse(String token) {
        Map<Integer, Long> out = new TreeMap<>();
        if (token == null || token.isBlank()) {
            return out;
        }
        for (String part : token.split(",")) {
            int colon = part.indexOf(':');
            try {
                int p = Integer.parseInt(part.substring(0, colon).trim());
                long o = Long.parseLong(part.substring(colon + 1).trim());
                if (p < 0 || o < 0) {
                    throw new NumberFormatException();
                }
                out.merge(p, o, Math::max);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(
                        "bad consistency token part '" + part + "': expected partition:offset");
            }
        }
        return out;
    }
}
