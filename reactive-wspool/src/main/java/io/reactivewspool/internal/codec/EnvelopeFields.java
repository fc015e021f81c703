package io.reactivewspool.internal.codec;

import java.time.Instant;
import java.time.format.DateTimeParseException;

import io.reactivewspool.WsProtocolException;
import io.reactivewspool.WsProtocolException.Problem;
import io.reactivewspool.message.TopicName;
import io.reactivewspool.message.WsMessage;
import tools.jackson.databind.JsonNode;

/**
 * One envelope's fields as a decoder reads them, whatever the format, and the protocol's rules for
 * each: a decoder hands over each known field's string value (or, when it is not a string, what it
 * was instead), and {@link #message()} makes the checks in the protocol's order (the type's kind,
 * a missing type, the id's kind, another field's kind, the topic) and builds the message. Of the
 * other fields' problems the first one read is told. One instance per frame, on one thread.
 */
final class EnvelopeFields {

    private String type;
    private boolean typeSeen;
    private String typeProblem;
    private String id;
    private String idProblem;
    private String topic;
    private boolean topicSeen;
    private JsonNode data;
    private Instant timestamp;
    private String offset;
    private String error;
    private String fieldProblem;

    /** The id read so far, for the errors of a frame that fails before its end. */
    String id() {
        return id;
    }

    void type(String value) {
        typeSeen = true;
        type = value;
    }

    /** {@code got}: what the type was instead of a string ("a number"). */
    void typeNotString(String got) {
        typeSeen = true;
        typeProblem = "field \"type\" must be a string, got " + got;
    }

    void id(String value) {
        id = value;
    }

    /** An id that is neither a string nor null; {@code text} is its text when it is a scalar, else {@code null}. */
    void idNotString(String text, String got) {
        if (text != null) {
            id = text;
        }
        idProblem = "field \"id\" must be a string, got " + got;
    }

    void topic(String value) {
        topicSeen = true;
        topic = value;
    }

    void topicNotString(String got) {
        topicSeen = true;
        problem("field \"topic\" must be a string, got " + got);
    }

    void data(JsonNode value) {
        data = value;
    }

    void timestamp(String text) {
        try {
            timestamp = JacksonEnvelopeCodec.parseInstant(text);
        } catch (DateTimeParseException e) {
            problem("field \"timestamp\" must be an ISO-8601 UTC instant such as 2026-01-01T12:00:00Z");
        }
    }

    void timestampNotString(String got) {
        problem("field \"timestamp\" must be an ISO-8601 string, got " + got);
    }

    void offset(String value) {
        offset = value;
    }

    void offsetNotString(String got) {
        problem("field \"offset\" must be a string, got " + got);
    }

    void error(String value) {
        error = value;
    }

    void errorNotString(String got) {
        problem("field \"error\" must be a string, got " + got);
    }

    private void problem(String problem) {
        if (fieldProblem == null) {
            fieldProblem = problem;
        }
    }

    /** @throws WsProtocolException for the first problem found, with the id read so far */
    WsMessage message() {
        if (typeProblem != null) {
            throw new WsProtocolException(Problem.INVALID_TYPE, typeProblem, id);
        }
        if (!typeSeen || type.isEmpty()) {
            throw new WsProtocolException(Problem.MISSING_TYPE,
                    "message must have a non-empty string field \"type\" (for example \"subscribe\")", id);
        }
        if (idProblem != null) {
            throw new WsProtocolException(Problem.INVALID_FIELD, idProblem, id);
        }
        if (fieldProblem != null) {
            Problem problem = fieldProblem.startsWith("field \"topic\"") ? Problem.INVALID_TOPIC : Problem.INVALID_FIELD;
            throw new WsProtocolException(problem, fieldProblem, id);
        }
        if (topicSeen) {
            String topicProblem = TopicName.problem(topic);
            if (topicProblem != null) {
                throw new WsProtocolException(Problem.INVALID_TOPIC, "invalid topic: " + topicProblem, id);
            }
        }
        return WsMessage.builder(type).topic(topic).data(data).id(id).timestamp(timestamp)
                .offset(offset).error(error).build();
    }
}
