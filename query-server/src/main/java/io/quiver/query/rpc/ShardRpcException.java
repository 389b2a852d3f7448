package io.quiver.query.rpc;

/** A shard server answered with an ERROR frame: it could not read the request. */
public final class ShardRpcException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ShardRpcException(String message) {
        super(message);
    }
}
