package io.quiver.query.http;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;

/**
 * Decides, before routing, whether a request may run at all (API keys, scopes, rate limits). It
 * runs on the event loop for every request, so it must not block.
 */
@FunctionalInterface
public interface RequestGuard {

    /** Lets every request through: the server without access control. */
    RequestGuard OPEN = (method, uri, headers) -> {};

    /**
     * Returns normally when the request may run.
     *
     * @throws UnauthorizedException without a known API key
     * @throws ForbiddenException when the key lacks the scope
     * @throws TooManyRequestsException when the key is over its rate limit
     */
    void check(HttpMethod method, String uri, HttpHeaders headers);
}
