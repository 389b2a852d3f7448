package io.quiver.query.http;

import java.util.List;

/** The path exists but not with this method; {@link #allowed()} goes into the Allow header. */
public final class MethodNotAllowedException extends QuiverHttpException {

    private static final long serialVersionUID = 1L;

    private final List<String> allowed;

    public MethodNotAllowedException(String method, String path, List<String> allowed) {
        super(
                "method_not_allowed",
                "method " + method + " is not allowed on " + path + "; allowed: " + allowed);
        this.allowed = List.copyOf(allowed);
    }

    public List<String> allowed() {
        return allowed;
    }
}
