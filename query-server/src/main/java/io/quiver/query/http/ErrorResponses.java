package io.quiver.query.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.quiver.query.internal.Json;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where errors become HTTP answers: each {@link QuiverHttpException} subclass has its
 * status here, and anything else is a bug, logged once and answered 500.
 *
 * <p>Body: {@code {"status":"error","error":{"code":"...","message":"..."}}}.
 */
public final class ErrorResponses {

    private static final Logger LOG = LoggerFactory.getLogger(ErrorResponses.class);

    private ErrorResponses() {}

    /** The HTTP status of an error type. */
    public static HttpResponseStatus statusOf(QuiverHttpException e) {
        if (e instanceof BadRequestException) {
            return HttpResponseStatus.BAD_REQUEST;
        } else if (e instanceof NotFoundException) {
            return HttpResponseStatus.NOT_FOUND;
        } else if (e instanceof MethodNotAllowedException) {
            return HttpResponseStatus.METHOD_NOT_ALLOWED;
        } else if (e instanceof ConflictException) {
            return HttpResponseStatus.CONFLICT;
        } else if (e instanceof BodyTooLargeException) {
            return HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE;
        } else if (e instanceof InvalidRequestException) {
            return HttpResponseStatus.UNPROCESSABLE_ENTITY;
        } else if (e instanceof UnavailableException) {
            return HttpResponseStatus.SERVICE_UNAVAILABLE;
        } else if (e instanceof ConsistencyTimeoutException) {
            return HttpResponseStatus.GATEWAY_TIMEOUT;
        } else if (e instanceof UnauthorizedException) {
            return HttpResponseStatus.UNAUTHORIZED;
        } else if (e instanceof ForbiddenException) {
            return HttpResponseStatus.FORBIDDEN;
        } else if (e instanceof TooManyRequestsException) {
            return HttpResponseStatus.TOO_MANY_REQUESTS;
        }
        throw new IllegalArgumentException("no HTTP status for " + e.getClass().getName());
    }

    /**
     * The answer for {@code failure}; unexpected exceptions are logged here (once) with the request
     * line so they can be found again.
     */
    public static HttpAnswer toAnswer(Throwable failure, String requestLine) {
        Throwable t = unwrap(failure);
        if (t instanceof QuiverHttpException q) {
            HttpAnswer answer = json(statusOf(q), q.code(), q.getMessage());
            if (q instanceof MethodNotAllowedException m) {
                answer =
                        answer.withHeader(
                                HttpHeaderNames.ALLOW.toString(), String.join(", ", m.allowed()));
            } else if (q instanceof UnauthorizedException) {
                answer =
                        answer.withHeader(
                                HttpHeaderNames.WWW_AUTHENTICATE.toString(),
                                UnauthorizedException.CHALLENGE);
            } else if (q instanceof TooManyRequestsException limited) {
                answer =
                        answer.withHeader(
                                HttpHeaderNames.RETRY_AFTER.toString(),
                                Long.toString(limited.retryAfterSeconds()));
            }
            if (q instanceof UnavailableException && q.getCause() != null) {
                LOG.debug("{} answered 503: {}", requestLine, q.getMessage(), q.getCause());
            }
            return answer;
        }
        LOG.error("Unexpected failure handling {}", requestLine, t);
        return json(
                HttpResponseStatus.INTERNAL_SERVER_ERROR,
                "internal_error",
                "the server failed unexpectedly; the failure is logged");
    }

    /** A JSON error answer. */
    public static HttpAnswer json(HttpResponseStatus status, String code, String message) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("status", "error");
        ObjectNode error = root.putObject("error");
        error.put("code", code);
        error.put("message", message);
        return HttpAnswer.json(status, root);
    }

    /** Strips the wrappers that futures add around the failure that matters. */
    public static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
