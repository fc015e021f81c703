package io.reactivewspool.internal.codec;

import io.reactivewspool.WsProtocolException;
import io.reactivewspool.WsProtocolException.Problem;
import io.reactivewspool.message.TopicName;

/**
 * The checks every envelope decoder makes once the frame is read, whatever its format, in the
 * protocol's order: the type's kind, a missing type, the id's kind, another field's kind, the topic.
 */
final class EnvelopeChecks {

    private EnvelopeChecks() {
    }

    /** @throws WsProtocolException for the first problem found, with the id read so far */
    static void check(String type, boolean typeSeen, String typeProblem, String id, String idProblem,
                      String fieldProblem, boolean topicSeen, String topic) {
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
    }
}
