package io.quiver.query.security;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The query server's TLS context from PEM files: the certificate chain (server certificate first,
 * then intermediates) and its unencrypted PKCS#8 private key ({@code -----BEGIN PRIVATE KEY-----};
 * convert others with {@code openssl pkcs8 -topk8 -nocrypt}). Uses the JDK's TLS (1.2 and 1.3), so
 * no native library is needed. The files are read once at start.
 */
public final class ServerTls {

    private ServerTls() {}

    /**
     * @throws IllegalArgumentException naming the file that is missing or cannot be used
     */
    public static SslContext fromPem(Path certificateChain, Path privateKey) {
        for (Path p : new Path[] {certificateChain, privateKey}) {
            if (!Files.isReadable(p)) {
                throw new IllegalArgumentException(
                        "TLS file " + p + " does not exist or is not readable");
            }
        }
        try {
            return SslContextBuilder.forServer(certificateChain.toFile(), privateKey.toFile())
                    .sslProvider(SslProvider.JDK)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .build();
        } catch (Exception e) {
            // The message names the problem (e.g. a PKCS#1 key); the key's bytes are never in it.
            throw new IllegalArgumentException(
                    "cannot use TLS certificate "
                            + certificateChain
                            + " with key "
                            + privateKey
                            + ": "
                            + e.getMessage(),
                    e);
        }
    }
}
