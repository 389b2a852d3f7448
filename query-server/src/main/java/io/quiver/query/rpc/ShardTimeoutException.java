package io.quiver.query.rpc;

/** A shard server did not answer within the request's timeout. */
public final class ShardTimeoutException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ShardTimeoutException(String message) {
        super(message);
    }
}
