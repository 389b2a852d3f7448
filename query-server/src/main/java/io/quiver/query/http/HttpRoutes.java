package io.quiver.query.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.quiver.query.metrics.QueryMetrics;
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
 * GET  /metrics                              Prometheus metrics
 * GET  /collections                          list collections
 * GET  /collections/{name}                   one collection's spec, point count, shard states
 * PUT  /collections/{name}                   create a collection
 * DELETE /collections/{name}                 delete a collection and its points
 * PUT  /collections/{name}/points            upsert points
 * POST /collections/{name}/points/delete     delete points by id
 * POST /collections/{name}/points/search     top-k search
 * POST /collections/{name}/points/search/batch  several searches in one request
 * POST /collections/{name}/points/count      exact count, optionally filtered
 * GET  /collections/{name}/points/{id}       one point with vector and payload
 * GET  /ui, /ui/{file}                       the demo page (static files)
 * </pre>
 *
 * A path that matches no pattern is 404; one that matches with another method is 405 with an {@code
 * Allow} header, unless a later pattern takes the method (so {@code GET .../points/search} reads
 * the point with id "search"). A trailing slash is ignored; segments are percent-decoded after
 * splitting, so an id may hold an encoded '/'.
 */
public final class HttpRoutes {

    private static final String NAME = "{name}";
    private static final String ID = "{id}";

    private record Route(String[] pattern, Map<HttpMethod, RouteHandler> handlers) {}

    private final List<Route> routes = new ArrayList<>();
    private final QueryMetrics metrics;

    public HttpRoutes(QueryServices services) {
        this.metrics = services.metrics();
        add("/healthz", HttpMethod.GET, new HealthHandler());
        add("/metrics", HttpMethod.GET, new MetricsHandler(services));
        add("/readyz", HttpMethod.GET, new ReadyHandler(services));
        add("/collections", HttpMethod.GET, new ListCollectionsHandler(services));
        add("/collections/{name}", HttpMethod.GET, new GetCollectionHandler(services));
        add("/collections/{name}", HttpMethod.PUT, new PutCollectionHandler(services));
        add("/collections/{name}", HttpMethod.DELETE, new DeleteCollectionHandler(services));
        add("/collections/{name}/points", HttpMethod.PUT, UpsertPointsHandler.upserts(services));
        add(
                "/collections/{name}/points/delete",
                HttpMethod.POST,
                UpsertPointsHandler.deletes(services));
        SearchHandler search = new SearchHandler(services);
        add("/collections/{name}/points/search", HttpMethod.POST, search);
        add(
                "/collections/{name}/points/search/batch",
                HttpMethod.POST,
                new SearchBatchHandler(search));
        add("/collections/{name}/points/count", HttpMethod.POST, new CountPointsHandler(services));
        // After the fixed paths: "search", "delete" and "count" are ids only for GET.
        add("/collections/{name}/points/{id}", HttpMethod.GET, new GetPointHandler(services));
        UiHandler ui = new UiHandler();
        add("/ui", HttpMethod.GET, ui);
        add("/ui/{id}", HttpMethod.GET, ui);
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
        String path;
        String[] segments;
        Map<String, List<String>> params;
        try {
            path = decoded.path();
            segments = segments(decoded);
            params = decoded.parameters();
        } catch (IllegalArgumentException e) {
            throw new BadRequestException(
                    "malformed_uri", "cannot decode the request URI: " + e.getMessage());
        }
        if (path.length() > 1 && path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        Route first = null;
        for (Route r : routes) {
            String[] captured = match(r.pattern, segments);
            if (captured == null) {
                continue;
            }
            RouteHandler handler = r.handlers.get(method);
            if (handler == null) {
                // A later pattern may take this method (GET .../points/search is a point id).
                first = first == null ? r : first;
                continue;
            }
            String name = captured[0];
            if (name != null) {
                try {
                    Limits.checkCollectionName(name);
                } catch (IllegalArgumentException e) {
                    throw new InvalidRequestException("invalid_collection_name", e.getMessage());
                }
            }
            return handler.handle(
                    new HttpCall(method, path, name, body, startNanos, params, captured[1]));
        }
        if (first != null) {
            List<String> allowed = new ArrayList<>();
            first.handlers.keySet().forEach(m -> allowed.add(m.name()));
            throw new MethodNotAllowedException(method.name(), path, allowed);
        }
        throw new NotFoundException("not_found", "no endpoint at " + path);
    }

    /** Where request metrics go. */
    public QueryMetrics metrics() {
        return metrics;
    }

    /**
     * The route pattern {@code uri} matches (for {@code method} if a route takes it), e.g. {@code
     * /collections/{name}/points/search}, or {@code "unmatched"}: a bounded label for metrics.
     */
    public String endpointOf(HttpMethod method, String uri) {
        String[] segments;
        try {
            segments = segments(new QueryStringDecoder(uri));
        } catch (IllegalArgumentException e) {
            return "unmatched";
        }
        String first = null;
        for (Route r : routes) {
            if (match(r.pattern, segments) != null) {
                if (r.handlers.containsKey(method)) {
                    return "/" + String.join("/", r.pattern);
                }
                first = first == null ? "/" + String.join("/", r.pattern) : first;
            }
        }
        return first == null ? "unmatched" : first;
    }

    /** The path's segments, split before percent-decoding so an encoded '/' stays inside one. */
    private static String[] segments(QueryStringDecoder decoded) {
        String raw = decoded.rawPath();
        if (raw.length() > 1 && raw.endsWith("/")) {
            raw = raw.substring(0, raw.length() - 1);
        }
        String[] segments = raw.startsWith("/") ? raw.substring(1).split("/", -1) : new String[0];
        for (int i = 0; i < segments.length; i++) {
            segments[i] = QueryStringDecoder.decodeComponent(segments[i]);
        }
        return segments;
    }

    /**
     * The {name} and {id} segments (null where the pattern has none), or null when the path does
     * not match.
     */
    private static String[] match(String[] pattern, String[] segments) {
        if (pattern.length != segments.length) {
            return null;
        }
        String[] captured = new String[2];
        for (int i = 0; i < pattern.length; i++) {
            if (pattern[i].equals(NAME) || pattern[i].equals(ID)) {
                if (segments[i].isEmpty()) {
                    return null;
                }
                captured[pattern[i].equals(NAME) ? 0 : 1] = segments[i];
            } else if (!pattern[i].equals(segments[i])) {
                return null;
            }
        }
        return captured;
    }
}
