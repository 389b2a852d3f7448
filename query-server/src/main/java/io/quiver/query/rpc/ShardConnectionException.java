package io.quiver.query.rpc;

/** Could not reach a shard server, or the connection broke before the answer arrived. */
public final class ShardConnectionException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ShardConnectionException(String message, Throwable cause) {
        super(message, cause);
    }
}
