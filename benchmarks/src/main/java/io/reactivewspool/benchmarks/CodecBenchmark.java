package io.reactivewspool.benchmarks;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@link WsCodec#json()} against plain Jackson 3 on the same message: a {@code data} envelope as a
 * hub delivers it ({@code type}, {@code topic}, {@code data}, {@code timestamp}) whose {@code data}
 * object is exactly {@code dataBytes} long, shaped like the fan-out load generator's payload.
 * <ul>
 * <li>encode: {@code codec.encode(message)} against {@code ObjectMapper.writeValueAsBytes} of the
 * same envelope as a record (what a user without the library serializes); setup checks that both
 * produce the same bytes, so neither writes less;</li>
 * <li>decode: {@code codec.decode(bytes)} (validates the envelope, materialises only {@code data}
 * as a tree) against {@code ObjectMapper.readTree(bytes)} of the same bytes;</li>
 * <li>the binary codecs, {@link WsCodec#cbor()} and {@link WsCodec#messagePack()}, encoding and
 * decoding the same message (their rows compare with the library's JSON rows).</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
public class CodecBenchmark {

    static final String TOPIC = "bench.fanout";
    static final Instant TIMESTAMP = Instant.parse("2026-11-24T03:45:00.123Z");

    /** The envelope as a plain Jackson user declares it. */
    public record Envelope(String type, String topic, JsonNode data, Instant timestamp) {
    }

    @Param({"64", "512"})
    public int dataBytes;

    private final WsCodec codec = WsCodec.json();
    private final WsCodec cbor = WsCodec.cbor();
    private final WsCodec messagePack = WsCodec.messagePack();
    private final ObjectMapper mapper = JsonMapper.builder().build();
    private WsMessage message;
    private Envelope envelope;
    private byte[] encoded;
    private byte[] encodedCbor;
    private byte[] encodedMessagePack;

    @Setup(Level.Trial)
    public void setUp() {
        JsonNode data = dataOfSize(dataBytes);
        message = WsMessage.builder(WsMessage.DATA).topic(TOPIC).data(data).timestamp(TIMESTAMP).build();
        envelope = new Envelope(WsMessage.DATA, TOPIC, data, TIMESTAMP);
        encoded = codec.encode(message);
        encodedCbor = cbor.encode(message);
        encodedMessagePack = messagePack.encode(message);
        if (!cbor.decode(encodedCbor).equals(message) || !messagePack.decode(encodedMessagePack).equals(message)) {
            throw new IllegalStateException("a binary codec does not round-trip the benchmark message");
        }
        byte[] plain = mapper.writeValueAsBytes(envelope);
        if (!Arrays.equals(encoded, plain)) {
            throw new IllegalStateException("the baseline must write the same bytes as the codec:\n"
                    + new String(encoded, StandardCharsets.UTF_8) + "\n"
                    + new String(plain, StandardCharsets.UTF_8));
        }
    }

    /**
     * {@code {"p":0,"seq":123456,"t":<nanoTime-like>,"pad":"xx…"}}, padded so that its JSON text is
     * exactly {@code bytes} long (at least 64).
     */
    static JsonNode dataOfSize(int bytes) {
        ObjectMapper mapper = JsonMapper.builder().build();
        ObjectNode d = mapper.createObjectNode().put("p", 0).put("seq", 123_456).put("t", 1_234_567_890_123_456L).put("pad", "");
        int pad = bytes - mapper.writeValueAsBytes(d).length;
        if (pad < 0) {
            throw new IllegalArgumentException("data must be at least " + (bytes - pad) + " bytes");
        }
        d.put("pad", "x".repeat(pad));
        return d;
    }

    @Benchmark
    public byte[] libraryEncode() {
        return codec.encode(message);
    }

    @Benchmark
    public byte[] jacksonEncode() {
        return mapper.writeValueAsBytes(envelope);
    }

    @Benchmark
    public WsMessage libraryDecode() {
        return codec.decode(encoded);
    }

    @Benchmark
    public JsonNode jacksonDecode() {
        return mapper.readTree(encoded);
    }

    @Benchmark
    public byte[] cborEncode() {
        return cbor.encode(message);
    }

    @Benchmark
    public WsMessage cborDecode() {
        return cbor.decode(encodedCbor);
    }

    @Benchmark
    public byte[] msgpackEncode() {
        return messagePack.encode(message);
    }

    @Benchmark
    public WsMessage msgpackDecode() {
        return messagePack.decode(encodedMessagePack);
    }
}
