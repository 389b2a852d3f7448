package io.quiver.schemas.rpc;

/** A frame that is not a valid shard RPC message of a supported version. */
public final class RpcFormatException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public RpcFormatException(String message) {
        super(message);
    }
}
