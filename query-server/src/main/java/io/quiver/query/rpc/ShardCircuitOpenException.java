package io.quiver.query.rpc;

/**
 * A call was not sent because the shard server's circuit breaker is open: it failed or timed out
 * repeatedly just now. Count its shards as missing; the breaker probes the server again later.
 */
public final class ShardCircuitOpenException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ShardCircuitOpenException(String message) {
        super(message, null, false, false);
    }
}
