package io.quiver.query.http;

/** No such collection, or no such path. */
public final class NotFoundException extends QuiverHttpException {

    private static final long serialVersionUID = 1L;

    public NotFoundException(String code, String message) {
        super(code, message);
    }

    public static NotFoundException collection(String name) {
        return new NotFoundException(
                "collection_not_found", "collection '" + name + "' does not exist");
    }
}
