package io.reactivewspool;

import java.util.Objects;

/**
 * A frame that does not follow the wire protocol: malformed JSON, a JSON value that is not an
 * object, a missing or non-string {@code type}, an invalid {@code topic}, a field of the wrong
 * type, or input over the codec's limits. The connection that received it stays open; the hub
 * answers with an {@code error} message carrying {@link #messageId()} when the offending
 * message's {@code id} could be read.
 *
 * <pre>{@code
 * try {
 *     codec.decode(text);
 * } catch (WsProtocolException e) {
 *     send(WsMessage.error(e.getMessage(), e.messageId()));
 * }
 * }</pre>
 */
public class WsProtocolException extends WsException {

    private static final long serialVersionUID = 1L;

    /** What kind of protocol fault this is; stable, for programs and metrics. */
    public enum Problem {
        /** The frame is not valid in the connection's encoding: JSON (or UTF-8), CBOR, MessagePack. */
        MALFORMED_JSON,
        /** The frame is valid JSON but not an object. */
        NOT_AN_OBJECT,
        /** The object has no {@code type}, or an empty one. */
        MISSING_TYPE,
        /** {@code type} is present but not a string. */
        INVALID_TYPE,
        /** {@code topic} is missing where required, or not a valid topic name. */
        INVALID_TOPIC,
        /** Another envelope field has the wrong JSON type. */
        INVALID_FIELD,
        /** The frame exceeds a codec limit (nesting depth, string length, document length). */
        LIMIT_EXCEEDED
    }

    private final Problem problem;
    private final String messageId;

    public WsProtocolException(Problem problem, String message, String messageId) {
        this(problem, message, messageId, null);
    }

    public WsProtocolException(Problem problem, String message, String messageId, Throwable cause) {
        super(message, cause);
        this.problem = Objects.requireNonNull(problem, "problem");
        this.messageId = messageId;
    }

    /** The kind of fault. */
    public Problem problem() {
        return problem;
    }

    /** The {@code id} of the offending message when it could be read, otherwise {@code null}. */
    public String messageId() {
        return messageId;
    }
}
