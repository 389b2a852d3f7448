package io.quiver.query.security;

import java.util.Set;

/** The scopes a key holds in every collection whose name {@code pattern} matches. */
public record Grant(CollectionPattern pattern, Set<Scope> scopes) {

    public Grant {
        scopes = Set.copyOf(scopes);
    }
}
