package io.quiver.query.security;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;

/**
 * What a request needs, from its method and path alone:
 *
 * <pre>
 * GET /healthz, /readyz, /ui[/...]          open (no key)
 * GET /metrics                              admin in any collection pattern (open with --metrics-open)
 * GET /collections                          read in any collection pattern
 * GET  any path under /collections/{name}   read on {name}
 * POST /collections/{name}/points/search[/batch], /points/count   read on {name}
 * PUT  /collections/{name}/points, POST /collections/{name}/points/delete   write on {name}
 * PUT, DELETE /collections/{name}           admin on {name}
 * any other method under /collections/{name}   admin on {name} (fails closed)
 * anything else                             a valid key (then 404 or 405)
 * </pre>
 *
 * GET never changes anything in this API, so it is always a read. A new endpoint that is not a GET
 * needs a line here, or it asks for admin.
 *
 * @param open no key needed
 * @param scope the scope needed, or null when any valid key will do
 * @param collection the collection the scope must cover, or null for "in some collection pattern"
 */
public record AccessRule(boolean open, Scope scope, String collection) {

    static final AccessRule OPEN = new AccessRule(true, null, null);
    static final AccessRule ANY_KEY = new AccessRule(false, null, null);

    /** The rule for {@code method} on {@code uri}; {@code metricsOpen} leaves /metrics open. */
    public static AccessRule of(HttpMethod method, String uri, boolean metricsOpen) {
        String[] s;
        try {
            s = segments(new QueryStringDecoder(uri).rawPath());
        } catch (IllegalArgumentException e) {
            // The router answers 400 for it, once the key is known to be valid.
            return ANY_KEY;
        }
        boolean get = method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD);
        if (s.length == 0) {
            return ANY_KEY;
        }
        if (s.length == 1 && get && (s[0].equals("healthz") || s[0].equals("readyz"))) {
            return OPEN;
        }
        if (s[0].equals("ui") && get) {
            return OPEN;
        }
        if (s.length == 1 && s[0].equals("metrics") && get) {
            return metricsOpen ? OPEN : new AccessRule(false, Scope.ADMIN, null);
        }
        if (!s[0].equals("collections")) {
            return ANY_KEY;
        }
        if (s.length == 1) {
            return get ? new AccessRule(false, Scope.READ, null) : ANY_KEY;
        }
        return new AccessRule(false, collectionScope(method, get, s), s[1]);
    }

    private static Scope collectionScope(HttpMethod method, boolean get, String[] s) {
        if (get) {
            return Scope.READ;
        }
        boolean points = s.length >= 3 && s[2].equals("points");
        if (points && s.length == 3 && method.equals(HttpMethod.PUT)) {
            return Scope.WRITE;
        }
        if (points && s.length >= 4 && method.equals(HttpMethod.POST)) {
            switch (s[3]) {
                case "delete":
                    return s.length == 4 ? Scope.WRITE : Scope.ADMIN;
                case "search":
                    return s.length == 4 || (s.length == 5 && s[4].equals("batch"))
                            ? Scope.READ
                            : Scope.ADMIN;
                case "count":
                    return s.length == 4 ? Scope.READ : Scope.ADMIN;
                default:
                    return Scope.ADMIN;
            }
        }
        return Scope.ADMIN;
    }

    /** Split before percent-decoding, as the router does, so both see the same segments. */
    private static String[] segments(String raw) {
        if (raw.length() > 1 && raw.endsWith("/")) {
            raw = raw.substring(0, raw.length() - 1);
        }
        if (!raw.startsWith("/") || raw.length() == 1) {
            return new String[0];
        }
        String[] segments = raw.substring(1).split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            segments[i] = QueryStringDecoder.decodeComponent(segments[i]);
        }
        return segments;
    }
}
