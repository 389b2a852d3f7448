package io.quiver.schemas;

import org.apache.avro.util.ClassSecurityValidator;

/**
 * Avro 1.12 refuses to instantiate classes outside its trusted list while decoding; Quiver's
 * generated record classes must be on it. Adding them to the JVM-wide predicate (instead of a
 * system property) keeps this working inside Flink TaskManagers and user applications alike.
 */
public final class AvroTrust {

    private static final String PACKAGE = "io.quiver.schemas.avro.";

    static {
        ClassSecurityValidator.ClassSecurityPredicate previous = ClassSecurityValidator.getGlobal();
        ClassSecurityValidator.setGlobal(
                ClassSecurityValidator.composite(
                        previous, cls -> cls.getName().startsWith(PACKAGE)));
    }

    private AvroTrust() {}

    /** Ensures the trust rule is installed; cheap after the first call. */
    public static void ensure() {
        // Loading this class runs the static initializer exactly once.
    }
}
