package io.quiver.query.rerank;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;

/**
 * An external reranker: where it listens and which protocol it speaks.
 *
 * @param uri the full URL posted to, e.g. {@code http://tei:8080/rerank}
 * @param protocol the request and answer format
 */
public record RerankEndpoint(URI uri, Protocol protocol) {

    /** The wire formats of external cross-encoders. */
    public enum Protocol {
        /** Text Embeddings Inference: {@code {"query","texts"}} → {@code [{"index","score"}]}. */
        TEI,
        /**
         * Cohere: {@code {"query","documents","top_n"}} → {@code
         * {"results":[{"index","relevance_score"}]}}.
         */
        COHERE;

        /**
         * The protocol called {@code name} in a rerank policy ({@code tei} or {@code cohere}).
         *
         * @throws IllegalArgumentException for any other name
         */
        public static Protocol parse(String name) {
            for (Protocol p : values()) {
                if (p.name().toLowerCase(Locale.ROOT).equals(name)) {
                    return p;
                }
            }
            throw new IllegalArgumentException(
                    "protocol must be 'tei' or 'cohere', got '" + name + "'");
        }
    }

    public RerankEndpoint {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(protocol, "protocol");
    }
}
