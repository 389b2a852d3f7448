package io.quiver.query.routing;

import java.util.Objects;

/** Where a shard server listens: one per TaskManager JVM. */
public record ShardEndpoint(String host, int port) {

    public ShardEndpoint {
        Objects.requireNonNull(host, "host");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("shard server port must be 1-65535, got " + port);
        }
    }

    /**
     * Parses {@code host:port} (IPv6 as {@code [::1]:9000}).
     *
     * @throws IllegalArgumentException naming the bad address
     */
    public static ShardEndpoint parse(String address) {
        if (address == null) {
            throw new IllegalArgumentException("address must be host:port, got null");
        }
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new IllegalArgumentException("address must be host:port, got '" + address + "'");
        }
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "address must be host:port, got '" + address + "'", e);
        }
        if (host.isBlank() || port < 1 || port > 65535) {
            throw new IllegalArgumentException(
                    "address must be host:port with a port of 1-65535, got '" + address + "'");
        }
        return new ShardEndpoint(host, port);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
