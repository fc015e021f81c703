package io.reactivewspool.bench.fanout;

import java.nio.charset.StandardCharsets;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * One client message as the bare server needs it: {@code type}, {@code topic}, {@code id} and the byte range
 * of the raw {@code data} value, found with Jackson's streaming parser so that the data is later copied as
 * text into the {@code data} envelope and never re-encoded.
 */
final class InboundRequest {

    final byte[] json;
    String type;
    String topic;
    String id;
    /** Byte range {@code [dataStart, dataEnd)} of the data value in {@link #json}; -1 when absent. */
    int dataStart = -1;
    int dataEnd = -1;
    /** Why the message cannot be handled, or null. */
    String problem;

    private InboundRequest(byte[] json) {
        this.json = json;
    }

    static InboundRequest parse(byte[] json) {
        InboundRequest r = new InboundRequest(json);
        try (JsonParser p = Protocol.MAPPER.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                r.problem = "message is not a JSON object";
                return r;
            }
            JsonToken t = p.nextToken();
            while (t == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if ("data".equals(name)) {
                    r.dataStart = (int) p.currentTokenLocation().getByteOffset();
                    p.skipChildren();
                    // The end of a scalar token is not reliably known before the next token is read, so the
                    // value ends where the next token (',' then a name, or the closing '}') begins.
                    t = p.nextToken();
                    int end = (int) p.currentTokenLocation().getByteOffset();
                    while (end > r.dataStart && isSeparator(json[end - 1])) {
                        end--;
                    }
                    r.dataEnd = end;
                    continue;
                }
                if (value == JsonToken.VALUE_STRING) {
                    switch (name) {
                        case "type" -> r.type = p.getString();
                        case "topic" -> r.topic = p.getString();
                        case "id" -> r.id = p.getString();
                        default -> { }
                    }
                } else {
                    if ("type".equals(name)) {
                        r.problem = "type must be a string";
                    }
                    p.skipChildren();
                }
                t = p.nextToken();
            }
            if (t != JsonToken.END_OBJECT) {
                r.problem = "malformed JSON";
            }
        } catch (JacksonException e) {
            r.problem = "malformed JSON";
        }
        if (r.problem == null && r.type == null) {
            r.problem = "missing type";
        }
        return r;
    }

    private static boolean isSeparator(byte b) {
        return b == ',' || b == ' ' || b == '\n' || b == '\r' || b == '\t';
    }

    boolean hasData() {
        return dataStart >= 0 && dataEnd > dataStart;
    }

    String dataText() {
        return hasData() ? new String(json, dataStart, dataEnd - dataStart, StandardCharsets.UTF_8) : null;
    }
}
