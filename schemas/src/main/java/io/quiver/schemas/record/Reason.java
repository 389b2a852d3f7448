package io.quiver.schemas.record;

/** Why a record was refused: the code written to the dead-letter topic and to HTTP errors. */
public enum Reason {
    /** Neither Avro single-object encoding nor a JSON object. */
    UNKNOWN_ENCODING,
    MALFORMED_JSON,
    MALFORMED_AVRO,
    MISSING_FIELD,
    WRONG_TYPE,
    UNKNOWN_OP,
    INVALID_ID,
    INVALID_COLLECTION,
    UNKNOWN_COLLECTION,
    DIMENSION_MISMATCH,
    NON_FINITE_COMPONENT,
    PAYLOAD_TOO_LARGE,
    INVALID_PAYLOAD,
    INVALID_VERSION
}
