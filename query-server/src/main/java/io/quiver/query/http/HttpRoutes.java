package io.quiver.query.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.quiver.schemas.Limits;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The route table: path pattern and method to endpoint. Immutable and shared by all connections.
 *
 * <pre>
 * GET  /healthz                              liveness
 * GET  /readyz                               readiness: catalog loaded, every shard ready
 * GET  /collections                          list collections
 * GET  /collections/{name}                   one collection's spec
 * PUT  /collections/{name}                   create a collection
 * PUT  /collections/{name}/points            upsert points
 * POST /collections/{name}/points/delete     delete points by id
 * POST /collections/{name}/points/search     top-k search
 * </pre>
 *
 * A path that matches no pattern is 404; one that matches with another method is 405 with an {@code
 * Allow} header. A trailing slash is ignored.
 */
public final class HttpRoutes {

    private static final String NAME = "{name}";

    private record Route(String[] pattern, Map<HttpMethod, RouteHandler> handlers) {}

    private final List<Route> routes = new ArrayList<>();

    public HttpRoutes(QueryServices services) {
        add("/healthz", HttpMethod.GET, new HealthHandler());
        add("/readyz", HttpMethod.GET, new ReadyHandler(services));
        add("/collections", HttpMethod.GET, new ListCollectionsHandler(services));
        add("/collections/{name}", HttpMethod.GET, new GetCollectionHandler(services));
        add("/collections/{name}", HttpMethod.PUT, new PutCollectionHandler(services));
        add("/collections/{name}/points", HttpMethod.PUT, UpsertPointsHandler.upserts(services));
        add(
                "/collections/{name}/points/delete",
                HttpMethod.POST,
                UpsertPointsHandler.deletes(services));
        add("/collections/{name}/points/search", HttpMethod.POST, new SearchHandler(services));
    }

    private void add(String pattern, HttpMethod method, RouteHandler handler) {
        String[] segments = pattern.substring(1).split("/");
        for (Route r : routes) {
            if (String.join("/", r.pattern).equals(String.join("/", segments))) {
                r.handlers.put(method, handler);
                return;
            }
        }
        Map<HttpMethod, RouteHandler> handlers = new LinkedHashMap<>();
        handlers.put(method, handler);
        routes.add(new Route(segments, handlers));
    }

    /**
     * Routes one request and runs its endpoint.
     *
     * @throws QuiverHttpException for unknown paths, wrong methods, invalid collection names and
     *     whatever the endpoint refuses synchronously
     */
    public CompletableFuture<HttpAnswer> dispatch(
            HttpMethod method, String uri, ByteBuf body, long startNanos) {
        QueryStringDecoder decoded = new QueryStringDecoder(uri);
        String path = decoded.path();
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        String[] segments = path.startsWith("/") ? path.substring(1).split("/", -1) : new String[0];
        for (Route r : routes) {
            String collection = match(r.pattern, segments);
            if (collection == null) {
                continue;
            }
            RouteHandler handler = r.handlers.get(method);
            if (handler == null) {
                List<String> allowed = new ArrayList<>();
                r.handlers.keySet().forEach(m -> allowed.add(m.name()));
                throw new MethodNotAllowedException(method.name(), path, allowed);
            }
            String name = collection.isEmpty() ? null : collection;
            if (name != null) {
                try {
                    Limits.checkCollectionName(name);
                } catch (IllegalArgumentException e) {
                    throw new InvalidRequestException("invalid_collection_name", e.getMessage());
                }
            }
            return handler.handle(
                    new HttpCall(method, path, name, body, startNanos, decoded.parameters()));
        }
        throw new NotFoundException("not_found", "no endpoint at " + path);
    }

    /** The {name} segment ("" when the pattern has none), or null when the path does not match. */
    private static String match(String[] pattern, String[] segments) {
        if (pattern.length != segments.length) {
            return null;
        }
        String name = "";
        for (int i = 0; i < pattern.length; i++) {
            if (pattern[i].equals(NAME)) {
                name = segments[i];
                if (name.isEmpty()) {
                    return null;
                }
            } else if (!pattern[i].equals(segments[i])) {
                return null;
            }
        }
        return name;
    }
}
