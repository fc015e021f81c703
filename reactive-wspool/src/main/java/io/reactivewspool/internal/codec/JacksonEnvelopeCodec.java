package io.reactivewspool.internal.codec;

import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Year;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.reactivewspool.WsProtocolException;
import io.reactivewspool.WsProtocolException.Problem;
import io.reactivewspool.message.JsonCodecOptions;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.exc.MismatchedInputException;

/**
 * The envelope codec over any Jackson 3 format (JSON, CBOR): the same envelope, fields and checks,
 * whatever the bytes. Decoding streams over the envelope so that the {@code id} is known even when
 * a later part of the frame is broken; only {@code data} is materialised as a tree. A subclass
 * supplies the format's mapper, built with the limits of {@link JsonCodecOptions}, and the words
 * its error messages use.
 */
abstract class JacksonEnvelopeCodec implements WsCodec {

    private static final int TYPE = 1;
    private static final int ID = 1 << 1;
    private static final int TOPIC = 1 << 2;
    private static final int DATA = 1 << 3;
    private static final int TIMESTAMP = 1 << 4;
    private static final int OFFSET = 1 << 5;
    private static final int ERROR = 1 << 6;

    private final ObjectMapper mapper;
    /**
     * Reads {@code data} and every other nested value as a tree, rejecting a name repeated within an
     * object. Resolved once: JsonParser.readValueAsTree() looks the root deserializer up per call.
     * Duplicate names are caught here and by the envelope loop rather than by the parser's
     * STRICT_DUPLICATE_DETECTION, which allocates a detector and a hash set per object.
     */
    private final ObjectReader treeReader;

    // The words of error messages: "JSON", "JSON object", "text frame".
    private final String format;
    private final String object;
    private final String frameKind;

    /**
     * @param format    the format's name in error messages ("JSON")
     * @param object    what one message is in that format ("JSON object")
     * @param frameKind the WebSocket frame it travels in ("text frame")
     */
    JacksonEnvelopeCodec(ObjectMapper mapper, String format, String object, String frameKind) {
        this.mapper = mapper;
        this.format = format;
        this.object = object;
        this.frameKind = frameKind;
        // Trailing tokens are the envelope's next fields here; ensureEnd checks the end of the frame.
        this.treeReader = mapper.readerFor(JsonNode.class)
                .with(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                .without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        // Jackson builds its (de)serializers lazily under a lock on first use; several event loops
        // meeting there at once park, which BlockHound reports. Build them now, on the creating thread.
        try {
            decode(encode(WsMessage.builder("warmup").topic("t").data(Map.of("a", List.of(1, "b", true)))
                    .id("1").timestamp(Instant.EPOCH).offset("o").error("e").build()));
        } catch (WsProtocolException tighterLimitsThanTheSample) {
            // The parser and the tree deserializer were built all the same.
        }
    }

    /** The limits of {@code options} as Jackson's read constraints, for a subclass's factory. */
    static StreamReadConstraints limits(JsonCodecOptions options) {
        return StreamReadConstraints.builder()
                .maxNestingDepth(options.maxNestingDepth())
                .maxStringLength(options.maxStringLength())
                .maxNumberLength(options.maxNumberLength())
                .maxNameLength(options.maxNameLength())
                .maxDocumentLength(options.maxDocumentLength())
                .maxTokenCount(options.maxTokenCount())
                .build();
    }

    /**
     * Checks the raw bytes before parsing (JSON: strict UTF-8); throws {@link WsProtocolException}
     * when they cannot be a message. Nothing by default.
     */
    void checkInput(byte[] bytes, int offset, int length) {
    }

    /** The advice that ends a malformed-input message: "send one JSON object (UTF-8) per text frame". */
    String framing() {
        return "send one " + object + " per " + frameKind;
    }

    @Override
    public byte[] encode(WsMessage m) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(estimateSize(m));
        try (JsonGenerator g = mapper.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringProperty("type", m.type());
            if (m.topic() != null) {
                g.writeStringProperty("topic", m.topic());
            }
            if (m.data() != null) {
                g.writeName("data");
                g.writeTree(m.data());
            }
            if (m.id() != null) {
                g.writeStringProperty("id", m.id());
            }
            if (m.timestamp() != null) {
                g.writeStringProperty("timestamp", m.timestamp().toString());
            }
            if (m.offset() != null) {
                g.writeStringProperty("offset", m.offset());
            }
            if (m.error() != null) {
                g.writeStringProperty("error", m.error());
            }
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    private static int estimateSize(WsMessage m) {
        // Small envelopes dominate; a tree's size is unknown without walking it.
        return m.data() == null ? 96 : 256;
    }

    @Override
    public WsMessage decode(byte[] utf8, int offset, int length) {
        EnvelopeFields f = new EnvelopeFields();
        int seen = 0;
        Set<String> unknownNames = null;
        checkInput(utf8, offset, length);
        try (JsonParser p = mapper.createParser(utf8, offset, length)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new WsProtocolException(Problem.MALFORMED_JSON,
                        "malformed " + format + ": the frame is empty; send one " + object + " per " + frameKind, null);
            }
            if (first != JsonToken.START_OBJECT) {
                // Read the whole value so that malformed input is reported as such, not as "not an object".
                skipValue(p, null);
                ensureEnd(p, null);
                throw new WsProtocolException(Problem.NOT_AN_OBJECT,
                        "message must be a " + object + " with a \"type\" field, got " + describe(first), null);
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                int field = fieldBit(name);
                if (field != 0 ? (seen & field) != 0
                        : !(unknownNames == null ? unknownNames = new HashSet<>(4) : unknownNames).add(name)) {
                    throw duplicate(name, p.currentLocation(), f.id());
                }
                seen |= field;
                JsonToken v = p.nextToken();
                switch (name) {
                    case "type" -> {
                        if (v == JsonToken.VALUE_STRING) {
                            f.type(p.getString());
                        } else {
                            f.typeNotString(describe(v));
                            skipValue(p, f.id());
                        }
                    }
                    case "id" -> {
                        if (v == JsonToken.VALUE_STRING) {
                            f.id(p.getString());
                        } else if (v != JsonToken.VALUE_NULL) {
                            f.idNotString(v.isScalarValue() ? p.getString() : null, describe(v));
                            skipValue(p, f.id());
                        }
                    }
                    case "topic" -> {
                        if (v == JsonToken.VALUE_STRING) {
                            f.topic(p.getString());
                        } else if (v != JsonToken.VALUE_NULL) {
                            f.topicNotString(describe(v));
                            skipValue(p, f.id());
                        }
                    }
                    case "data" -> f.data(readTree(p, f.id()));
                    case "timestamp" -> {
                        String s = readOptionalString(p, v, f.id());
                        if (s != null) {
                            f.timestamp(s);
                        } else if (v != JsonToken.VALUE_NULL) {
                            f.timestampNotString(describe(v));
                        }
                    }
                    case "offset" -> {
                        String s = readOptionalString(p, v, f.id());
                        if (s != null) {
                            f.offset(s);
                        } else if (v != JsonToken.VALUE_NULL) {
                            f.offsetNotString(describe(v));
                        }
                    }
                    case "error" -> {
                        String s = readOptionalString(p, v, f.id());
                        if (s != null) {
                            f.error(s);
                        } else if (v != JsonToken.VALUE_NULL) {
                            f.errorNotString(describe(v));
                        }
                    }
                    default -> skipValue(p, f.id()); // unknown fields are ignored by the protocol
                }
            }
            if (t != JsonToken.END_OBJECT) {
                throw new WsProtocolException(Problem.MALFORMED_JSON, "malformed " + format + ": unexpected " + describe(t), f.id());
            }
            ensureEnd(p, f.id());
        } catch (StreamConstraintsException e) {
            throw new WsProtocolException(Problem.LIMIT_EXCEEDED,
                    "message exceeds a size limit: " + e.getOriginalMessage() + "; send a smaller or flatter message",
                    f.id(), e);
        } catch (JacksonException e) {
            throw new WsProtocolException(Problem.MALFORMED_JSON, "malformed " + format + at(e.getLocation()) + ": "
                    + e.getOriginalMessage() + "; " + framing(), f.id(), e);
        }
        return f.message();
    }

    private String readOptionalString(JsonParser p, JsonToken v, String id) {
        if (v == JsonToken.VALUE_STRING) {
            return p.getString();
        }
        skipValue(p, id);
        return null;
    }

    /**
     * {@link Instant#parse}, with a fast path for the form every encoder writes,
     * {@code yyyy-MM-ddTHH:mm:ss[.fraction]Z}: Instant.parse allocates about 1.8 KB per call. Any
     * other text, and any field out of range, goes to Instant.parse, so the answer is its answer.
     */
    static Instant parseInstant(String s) {
        int n = s.length();
        if (n < 20 || n > 30 || n == 21 || s.charAt(n - 1) != 'Z' || s.charAt(4) != '-' || s.charAt(7) != '-'
                || s.charAt(10) != 'T' || s.charAt(13) != ':' || s.charAt(16) != ':' || (n > 20 && s.charAt(19) != '.')) {
            return Instant.parse(s);
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 7);
        int day = digits(s, 8, 10);
        int hour = digits(s, 11, 13);
        int minute = digits(s, 14, 16);
        int second = digits(s, 17, 19);
        int fraction = n > 20 ? digits(s, 20, n - 1) : 0;
        if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour < 0 || hour > 23
                || minute < 0 || minute > 59 || second < 0 || second > 59 || fraction < 0) {
            return Instant.parse(s);
        }
        for (int i = n - 1; i < 29; i++) {
            fraction *= 10;
        }
        long epochDay = LocalDate.of(year, month, day).toEpochDay();
        return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3_600 + minute * 60 + second, fraction);
    }

    /** The decimal value of {@code s[from, to)}, or -1 when any of it is not an ASCII digit. */
    private static int digits(String s, int from, int to) {
        int v = 0;
        for (int i = from; i < to; i++) {
            int d = s.charAt(i) - '0';
            if (d < 0 || d > 9) {
                return -1;
            }
            v = v * 10 + d;
        }
        return v;
    }

    private static int daysIn(int month, int year) {
        return switch (month) {
            case 2 -> Year.isLeap(year) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }

    private static int fieldBit(String name) {
        return switch (name) {
            case "type" -> TYPE;
            case "id" -> ID;
            case "topic" -> TOPIC;
            case "data" -> DATA;
            case "timestamp" -> TIMESTAMP;
            case "offset" -> OFFSET;
            case "error" -> ERROR;
            default -> 0;
        };
    }

    private JsonNode readTree(JsonParser p, String id) {
        try {
            return treeReader.readValue(p);
        } catch (MismatchedInputException e) {
            // With trailing tokens allowed, the only mismatch a token stream can raise against
            // JsonNode is a repeated name; the parser then stands on that name's value (or its
            // end), so the repeated name is the current one.
            throw duplicate(p.currentName(), e.getLocation(), id);
        }
    }

    /** Passes over a value, checking an object's or array's names for duplicates as {@code data}'s are. */
    private void skipValue(JsonParser p, String id) {
        if (p.currentToken() == JsonToken.START_OBJECT || p.currentToken() == JsonToken.START_ARRAY) {
            readTree(p, id);
        }
    }

    private WsProtocolException duplicate(String name, TokenStreamLocation where, String id) {
        return new WsProtocolException(Problem.MALFORMED_JSON, "malformed " + format + at(where) + ": Duplicate Object property \""
                + name + "\"; send each field once per object", id);
    }

    private void ensureEnd(JsonParser p, String id) {
        JsonToken extra = p.nextToken();
        if (extra != null) {
            throw new WsProtocolException(Problem.MALFORMED_JSON,
                    "malformed " + format + ": trailing content after the message (" + describe(extra)
                            + "); send exactly one " + object + " per " + frameKind, id);
        }
    }


    private static String at(TokenStreamLocation loc) {
        if (loc == null) {
            return "";
        }
        if (loc.getLineNr() < 0) {
            // Binary formats have no lines.
            return loc.getByteOffset() < 0 ? "" : " at byte " + loc.getByteOffset();
        }
        return " at line " + loc.getLineNr() + " column " + loc.getColumnNr();
    }

    private static String describe(JsonToken t) {
        if (t == null) {
            return "end of input";
        }
        return switch (t) {
            case START_OBJECT, END_OBJECT -> "an object";
            case START_ARRAY, END_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.name().toLowerCase(Locale.ROOT);
        };
    }
}
