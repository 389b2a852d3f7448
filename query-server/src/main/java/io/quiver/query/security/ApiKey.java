package io.quiver.query.security;

import java.util.List;

/**
 * One API key as the server knows it: a name (logged, used in metrics and error messages), the
 * SHA-256 of the secret (the secret itself is never kept), its grants and its rate limit.
 */
public final class ApiKey {

    private final String name;
    private final byte[] sha256;
    private final List<Grant> grants;
    private final RateLimit rateLimit;

    ApiKey(String name, byte[] sha256, List<Grant> grants, RateLimit rateLimit) {
        this.name = name;
        this.sha256 = sha256.clone();
        this.grants = List.copyOf(grants);
        this.rateLimit = rateLimit;
    }

    public String name() {
        return name;
    }

    public List<Grant> grants() {
        return grants;
    }

    public RateLimit rateLimit() {
        return rateLimit;
    }

    byte[] sha256() {
        return sha256;
    }

    /** Whether this key holds {@code scope} in {@code collection}. */
    public boolean allows(Scope scope, String collection) {
        for (Grant g : grants) {
            if (g.scopes().contains(scope) && g.pattern().matches(collection)) {
                return true;
            }
        }
        return false;
    }

    /** Whether this key holds {@code scope} in at least one collection pattern. */
    public boolean allowsSomewhere(Scope scope) {
        for (Grant g : grants) {
            if (g.scopes().contains(scope)) {
                return true;
            }
        }
        return false;
    }

    /** The name only: the hash stays out of logs too. */
    @Override
    public String toString() {
        return "ApiKey[" + name + "]";
    }
}
