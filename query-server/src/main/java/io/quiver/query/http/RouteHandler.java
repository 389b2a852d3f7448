package io.quiver.query.http;

import java.util.concurrent.CompletableFuture;

/**
 * One HTTP endpoint. It runs on the Netty event loop: it may parse and validate (and throw a {@link
 * QuiverHttpException} right away), and hands anything that waits (Kafka, shards) to futures, never
 * blocking.
 */
@FunctionalInterface
public interface RouteHandler {

    CompletableFuture<HttpAnswer> handle(HttpCall call);
}
