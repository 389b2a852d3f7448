package io.quiver.query.rerank;

import java.util.Locale;

/** How the top-N candidates of a search are rescored. */
public enum RerankMethod {
    /** Rescore with the float32 vectors kept in shard state (for int8 collections). */
    EXACT,
    /** Lexical rescoring of a payload text field, fused with the vector score. */
    BM25,
    /** An external cross-encoder over HTTP (TEI's or Cohere's protocol). */
    HTTP;

    /** The name on the wire: {@code exact}, {@code bm25}, {@code http}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The method called {@code name} on the wire.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static RerankMethod parse(String name) {
        for (RerankMethod m : values()) {
            if (m.wireName().equals(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("must be 'exact', 'bm25' or 'http', got '" + name + "'");
    }

    /** Whether the method reads each candidate's payload text. */
    public boolean needsText() {
        return this != EXACT;
    }
}
