package io.quiver.schemas.rpc;

import java.util.Objects;

/**
 * The answer to a {@link GetPointRequest}. With status {@code OK}, {@code found} tells whether the
 * shard holds the point; when it does, {@code vector} is the vector as written (not normalized) and
 * {@code payload} its payload as UTF-8 JSON, or null for none. Any other status means the shard
 * could not say (see {@link ShardResult.Status}); {@code message} says why.
 */
public final class GetPointResponse {

    private final long requestId;
    private final int shard;
    private final ShardResult.Status status;
    private final String message;
    private final float[] vector;
    private final byte[] payload;

    /**
     * @param vector the point's vector, or null when it was not found
     */
    public GetPointResponse(
            long requestId,
            int shard,
            ShardResult.Status status,
            String message,
            float[] vector,
            byte[] payload) {
        this.requestId = requestId;
        this.shard = shard;
        this.status = Objects.requireNonNull(status, "status");
        this.message = message == null ? "" : message;
        this.vector = vector;
        this.payload = payload;
        if (vector == null && payload != null) {
            throw new IllegalArgumentException("a point that was not found has no payload");
        }
    }

    /** A shard that holds no point under the asked id. */
    public static GetPointResponse notFound(long requestId, int shard) {
        return new GetPointResponse(requestId, shard, ShardResult.Status.OK, "", null, null);
    }

    /** A shard that could not answer: any status but OK, with a reason. */
    public static GetPointResponse failed(
            long requestId, int shard, ShardResult.Status status, String message) {
        return new GetPointResponse(requestId, shard, status, message, null, null);
    }

    public long requestId() {
        return requestId;
    }

    public int shard() {
        return shard;
    }

    public ShardResult.Status status() {
        return status;
    }

    public String message() {
        return message;
    }

    public boolean found() {
        return vector != null;
    }

    /** The vector as written, or null when not found. */
    public float[] vector() {
        return vector;
    }

    /** The payload as UTF-8 JSON, or null. */
    public byte[] payload() {
        return payload;
    }
}
