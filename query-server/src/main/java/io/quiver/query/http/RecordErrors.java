package io.quiver.query.http;

import io.quiver.schemas.record.InvalidRecordException;
import java.util.Locale;

/**
 * Turns the shared record validation's verdict into the error type that tells an HTTP caller what
 * to do; the code is the dead-letter reason in lower case, so HTTP and the dead-letter topic speak
 * the same words.
 */
final class RecordErrors {

    private RecordErrors() {}

    static QuiverHttpException of(InvalidRecordException e, String where) {
        String code = e.reason().name().toLowerCase(Locale.ROOT);
        String message = where + ": " + e.getMessage();
        return switch (e.reason()) {
            case UNKNOWN_ENCODING,
                            MALFORMED_JSON,
                            MALFORMED_AVRO,
                            MISSING_FIELD,
                            WRONG_TYPE,
                            UNKNOWN_OP ->
                    new BadRequestException(code, message);
            case UNKNOWN_COLLECTION ->
                    new NotFoundException("collection_not_found", e.getMessage());
            default -> new InvalidRequestException(code, message);
        };
    }
}
