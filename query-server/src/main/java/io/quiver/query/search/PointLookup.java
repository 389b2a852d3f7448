package io.quiver.query.search;

/**
 * The answer of {@link PointReader#get}.
 *
 * @param shard the shard that holds (or would hold) the point
 * @param answered whether that shard answered; when false, nothing is known about the point
 * @param vector the point's vector as written, or null when it does not exist (or no answer)
 * @param payload its payload as UTF-8 JSON, or null
 */
public record PointLookup(int shard, boolean answered, float[] vector, byte[] payload) {

    public boolean found() {
        return vector != null;
    }
}
