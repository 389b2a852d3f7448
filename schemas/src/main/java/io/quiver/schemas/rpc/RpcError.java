package io.quiver.schemas.rpc;

/** A shard server could not read a request at all; {@code requestId} is 0 when unknown. */
public record RpcError(long requestId, String message) {}
