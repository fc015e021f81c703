package io.reactivewspool.security;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.reactivewspool.WsProtocolException;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.test.HubFixture;
import io.reactivewspool.test.LeakRecorder;
import io.reactivewspool.test.RawSocketClient;
import io.reactivewspool.test.RawSocketClient.Frame;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Hostile WebSocket traffic over real sockets against one {@code WsServer} on loopback: garbage
 * and invalid UTF-8 in text frames, deep nesting, huge numbers, long strings, duplicate keys,
 * fragmentation (with control frames in between, continuation without a start), binary frames,
 * oversized and fragmented control frames, reserved opcodes and RSV bits, unmasked frames, close
 * frames with bad codes, frames over the size limit; each written in random chunks.
 *
 * <p>After every input the client sends a {@code ping} probe. Each input must end in exactly the
 * answer it deserves: one {@code error} message and the connection kept (bad messages, binary),
 * the reply (well-formed, if fragmented, messages), nothing (unsolicited pongs, pings), or a close
 * frame with RFC 6455's code (1002 protocol error, 1009 too big), the client's own code echoed
 * for its close frame. After every try a fresh client still gets its pong, and the hub holds no
 * connection once the clients are gone. The container fails on any Netty buffer leak (PARANOID).
 *
 * <p>Faults the hub itself sees (the JSON rows) are covered frame by frame, without sockets, by
 * {@code DecoderFuzzProperties} and {@code DispatcherFuzzProperties}; this class proves the same
 * and Netty's WebSocket decoder hold up together on the wire.
 */
class WireFuzzIT {

    private static final int MAX_FRAME = 8192;
    private static final WsCodec CODEC = WsCodec.json();
    private static final int ERROR = -2;
    private static final int NOTHING = -3;

    private static HubFixture fixture;
    private static final AtomicInteger TRIES = new AtomicInteger();
    private static final AtomicInteger INPUTS = new AtomicInteger();
    private static final AtomicInteger CONNECTIONS = new AtomicInteger();
    private static final AtomicLong BUSY_NANOS = new AtomicLong();

    /**
     * One hostile input: the frames to send and the answer it deserves.
     *
     * @param expect {@link #ERROR}: one error message; {@link #NOTHING}: no message; a close code
     *               (-1: TCP close without a close frame); or 0 when a message with id {@code replyId} must come back
     */
    record Input(String what, List<byte[]> frames, int expect, String replyId) {
        @Override
        public String toString() {
            return what;
        }
    }

    @BeforeContainer
    static void startServer() {
        fixture = HubFixture.start(WsHubOptions.builder()
                .maxFrameBytes(MAX_FRAME)
                .maxBadMessages(1_000)                 // the 1008 close has its own conformance row
                .closeDrainPeriod(Duration.ZERO)
                .build());
    }

    @AfterContainer
    static void stopServerAndCheckLeaks() {
        fixture.close();
        System.out.printf("wire fuzz: %d tries, %d hostile inputs over %d connections, %.1f s on the wire (%.0f inputs/s)%n",
                TRIES.get(), INPUTS.get(), CONNECTIONS.get(), BUSY_NANOS.get() / 1e9,
                INPUTS.get() / Math.max(BUSY_NANOS.get() / 1e9, 1e-9));
        List<String> leaks = LeakRecorder.collectLeaks();
        assertThat(leaks).as("Netty buffer leaks").isEmpty();
    }

    @Property(tries = 120, shrinking = ShrinkingMode.OFF)
    void everyHostileInputGetsItsAnswerAndTheServerLives(@ForAll("inputs") List<Input> inputs,
                                                          @ForAll("chunkSizes") List<Integer> chunks) {
        long start = System.nanoTime();
        List<RawSocketClient> opened = new ArrayList<>();
        try {
            RawSocketClient c = open(opened);
            int n = 0;
            for (Input in : inputs) {
                String probe = "probe-" + (n++);
                ByteArrayOutputStream wire = new ByteArrayOutputStream();
                in.frames().forEach(wire::writeBytes);
                wire.writeBytes(RawSocketClient.encodeFrame(0x81, ("{\"type\":\"ping\",\"id\":\"" + probe + "\"}")
                        .getBytes(StandardCharsets.UTF_8), true));
                writeInChunks(c, wire.toByteArray(), chunks);
                INPUTS.incrementAndGet();
                Answer a = answer(c, probe);
                assertAnswer(in, a);
                if (a.closeCode() != 0) {
                    c.close();
                    c = open(opened);
                }
            }
            RawSocketClient fresh = open(opened);
            fresh.sendText(WsMessage.ping().withId("alive"));
            assertThat(fresh.readMessage().id()).as("a fresh client after the try").isEqualTo("alive");
        } finally {
            opened.forEach(RawSocketClient::close);
            await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2))
                    .until(() -> fixture.hub().admin().stats().activeConnections() == 0);
            TRIES.incrementAndGet();
            BUSY_NANOS.addAndGet(System.nanoTime() - start);
        }
    }

    private static RawSocketClient open(List<RawSocketClient> opened) {
        RawSocketClient c = RawSocketClient.connect(fixture.wsUrl());
        opened.add(c);
        CONNECTIONS.incrementAndGet();
        assertThat(c.readMessage().type()).isEqualTo("welcome");
        return c;
    }

    /** Writes the bytes in pieces of the given sizes (cycled), so frame headers split across reads. */
    private static void writeInChunks(RawSocketClient c, byte[] bytes, List<Integer> chunks) {
        int at = 0;
        int i = 0;
        while (at < bytes.length) {
            int size = chunks.isEmpty() ? bytes.length : chunks.get(i++ % chunks.size());
            int end = Math.min(bytes.length, at + size);
            if (!c.trySendRaw(Arrays.copyOfRange(bytes, at, end))) {
                return; // the server closed: the answer says how
            }
            at = end;
        }
    }

    /** What came back for one input: the messages before the probe's pong, or the close code (-1: no close frame). */
    record Answer(List<WsMessage> messages, int closeCode) {
    }

    private static Answer answer(RawSocketClient c, String probe) {
        List<WsMessage> messages = new ArrayList<>();
        for (;;) {
            Frame f = c.readFrameOrEnd();
            if (f == null) {
                return new Answer(messages, -1);
            }
            if (f.opcode() == 0x8) {
                return new Answer(messages, RawSocketClient.closeCode(f));
            }
            if (f.opcode() == 0x1) {
                WsMessage m = CODEC.decode(f.payload());
                if (m.is(WsMessage.PONG) && probe.equals(m.id())) {
                    return new Answer(messages, 0);
                }
                messages.add(m);
            }
        }
    }

    private static void assertAnswer(Input in, Answer a) {
        String what = in.what() + " answered " + a;
        if (in.expect() > 0 || in.expect() == -1) {
            assertThat(a.closeCode()).as(what).isEqualTo(in.expect());
            return;
        }
        assertThat(a.closeCode()).as(what).isZero();
        if (in.expect() == ERROR) {
            assertThat(a.messages()).as(what).hasSize(1);
            assertThat(a.messages().get(0).type()).as(what).isEqualTo("error");
            assertThat(a.messages().get(0).error()).as(what).isNotBlank();
        } else if (in.expect() == NOTHING) {
            assertThat(a.messages()).as(what).isEmpty();
        } else {
            assertThat(a.messages()).as(what).hasSize(1);
            assertThat(a.messages().get(0).id()).as(what).isEqualTo(in.replyId());
            assertThat(a.messages().get(0).type()).as(what).isNotEqualTo("error");
        }
    }

    // ---------------------------------------------------------------- generators

    @Provide
    Arbitrary<List<Integer>> chunkSizes() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.just(List.<Integer>of())),
                Tuple.of(2, Arbitraries.integers().between(1, 64).list().ofMinSize(1).ofMaxSize(8)));
    }

    @Provide
    Arbitrary<List<Input>> inputs() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, randomText()),
                Tuple.of(2, invalidUtf8()),
                Tuple.of(1, deepNesting()),
                Tuple.of(1, hugeNumber()),
                Tuple.of(1, longStrings()),
                Tuple.of(1, duplicateKeys()),
                Tuple.of(3, fragmented()),
                Tuple.of(1, fragmentedGarbage()),
                Tuple.of(1, binary()),
                Tuple.of(1, harmlessControl()),
                Tuple.of(1, continuationWithoutStart()),
                Tuple.of(1, dataFrameInsideFragments()),
                Tuple.of(1, oversizedPing()),
                Tuple.of(1, fragmentedControl()),
                Tuple.of(1, reservedOpcode()),
                Tuple.of(1, rsvBits()),
                Tuple.of(1, unmasked()),
                Tuple.of(1, oversizedFrame()),
                Tuple.of(1, clientClose()),
                Tuple.of(1, badClose())).list().ofMinSize(1).ofMaxSize(12);
    }

    private static byte[] frame(int firstByte, byte[] payload) {
        return RawSocketClient.encodeFrame(firstByte, payload, true);
    }

    private static byte[] text(String s) {
        return frame(0x81, s.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Input one(String what, byte[] frame, int expect) {
        return new Input(what, List.of(frame), expect, null);
    }

    private static Arbitrary<Input> randomText() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(300).filter(WireFuzzIT::undecodable)
                .map(b -> one("random bytes " + Arrays.toString(b), frame(0x81, b), ERROR));
    }

    private static boolean undecodable(byte[] b) {
        try {
            CODEC.decode(b);
            return false;
        } catch (WsProtocolException bad) {
            return true;
        }
    }

    private static Arbitrary<Input> invalidUtf8() {
        Arbitrary<byte[]> bad = Arbitraries.of(
                new byte[] {(byte) 0xC3, 0x28}, new byte[] {(byte) 0xFF}, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                new byte[] {(byte) 0xC0, (byte) 0xAF}, new byte[] {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80},
                new byte[] {(byte) 0xE2, (byte) 0x82});
        Arbitrary<String> field = Arbitraries.of("type", "id", "data", "topic", "key");
        return Combinators.combine(bad, field).as((b, f) -> {
            ByteArrayOutputStream p = new ByteArrayOutputStream();
            p.writeBytes(utf8("{\"type\":\"ping\",\"" + f + "\":\"a"));
            p.writeBytes(b);
            p.writeBytes(utf8("b\"}"));
            return one("invalid UTF-8 " + Arrays.toString(b) + " in " + f, frame(0x81, p.toByteArray()), ERROR);
        });
    }

    private static Arbitrary<Input> deepNesting() {
        return Combinators.combine(Arbitraries.integers().between(65, 1_200), Arbitraries.of(true, false)).as((depth, arrays) -> {
            String open = arrays ? "[" : "{\"a\":";
            String close = arrays ? "]" : "}";
            return one("nesting depth " + depth, text("{\"type\":\"ping\",\"data\":" + open.repeat(depth) + "1"
                    + close.repeat(depth) + "}"), ERROR);
        });
    }

    private static Arbitrary<Input> hugeNumber() {
        return Arbitraries.integers().between(101, 4_000).map(digits ->
                one(digits + "-digit number", text("{\"type\":\"ping\",\"data\":" + "9".repeat(digits) + "}"), ERROR));
    }

    private static Arbitrary<Input> longStrings() {
        Arbitrary<Input> longTopic = Arbitraries.integers().between(257, 4_000).map(n ->
                one(n + "-character topic", text("{\"type\":\"subscribe\",\"topic\":\"" + "t".repeat(n) + "\"}"), ERROR));
        Arbitrary<Input> longData = Arbitraries.integers().between(1_000, MAX_FRAME - 100).map(n ->
                new Input(n + "-character string in data", List.of(text("{\"type\":\"ping\",\"id\":\"long\",\"data\":\""
                        + "s".repeat(n) + "\"}")), 0, "long"));
        return Arbitraries.oneOf(longTopic, longData);
    }

    private static Arbitrary<Input> duplicateKeys() {
        return Arbitraries.of("type", "id", "topic", "data").map(k ->
                one("duplicate key " + k, text("{\"type\":\"ping\",\"id\":\"d\",\"topic\":\"t\",\"data\":1,\"" + k + "\":\"x\"}"), ERROR));
    }

    /** A well-formed ping split into 2..6 fragments, with ping or pong frames between them. */
    private static Arbitrary<Input> fragmented() {
        return Combinators.combine(Arbitraries.integers().between(2, 6), Arbitraries.of(0, 0x9, 0xA).list().ofSize(6))
                .as((parts, controls) -> {
                    byte[] whole = utf8("{\"type\":\"ping\",\"id\":\"frag\",\"data\":\"\u00e9t\u00e9 \uD83D\uDE00 fragments\"}");
                    List<byte[]> frames = new ArrayList<>();
                    int step = Math.max(1, whole.length / parts);
                    for (int i = 0, at = 0; at < whole.length; i++) {
                        int end = i == parts - 1 ? whole.length : Math.min(whole.length, at + step);
                        boolean last = end == whole.length;
                        frames.add(frame((last ? 0x80 : 0) | (i == 0 ? 0x1 : 0x0), Arrays.copyOfRange(whole, at, end)));
                        int control = controls.get(i % controls.size());
                        if (!last && control != 0) {
                            frames.add(frame(0x80 | control, utf8("ctl")));
                        }
                        at = end;
                    }
                    return new Input(parts + " fragments, control frames " + controls, frames, 0, "frag");
                });
    }

    private static Arbitrary<Input> fragmentedGarbage() {
        return Arbitraries.bytes().array(byte[].class).ofMinSize(2).ofMaxSize(200).map(b -> {
            int half = b.length / 2;
            return new Input("fragmented garbage " + Arrays.toString(b), List.of(frame(0x01, Arrays.copyOf(b, half)),
                    frame(0x80, Arrays.copyOfRange(b, half, b.length))), ERROR, null);
        });
    }

    private static Arbitrary<Input> binary() {
        return Combinators.combine(Arbitraries.bytes().array(byte[].class).ofMaxSize(300), Arbitraries.of(true, false))
                .as((b, fragmentedToo) -> fragmentedToo && b.length > 1
                        ? new Input("fragmented binary", List.of(frame(0x02, Arrays.copyOf(b, 1)),
                        frame(0x80, Arrays.copyOfRange(b, 1, b.length))), ERROR, null)
                        : one("binary frame", frame(0x82, b), ERROR));
    }

    private static Arbitrary<Input> harmlessControl() {
        return Arbitraries.of(0x9, 0xA).map(op -> one((op == 0x9 ? "ping" : "unsolicited pong") + " frame",
                frame(0x80 | op, utf8("x".repeat(125))), NOTHING));
    }

    private static Arbitrary<Input> continuationWithoutStart() {
        return Arbitraries.of(0x80, 0x00).map(fin ->
                one("continuation without a start", frame(fin, utf8("{\"type\":\"ping\"}")), 1002));
    }

    private static Arbitrary<Input> dataFrameInsideFragments() {
        return Arbitraries.of(0x81, 0x82, 0x01).map(second -> new Input("new data frame 0x" + Integer.toHexString(second)
                + " inside a fragmented message", List.of(frame(0x01, utf8("{\"type\":")), frame(second, utf8("\"ping\"}"))), 1002, null));
    }

    private static Arbitrary<Input> oversizedPing() {
        return Combinators.combine(Arbitraries.integers().between(126, 1_000), Arbitraries.of(0x9, 0xA))
                .as((n, op) -> one(n + "-byte control frame 0x" + Integer.toHexString(op), frame(0x80 | op, new byte[n]), 1002));
    }

    private static Arbitrary<Input> fragmentedControl() {
        return Arbitraries.of(0x9, 0xA, 0x8).map(op ->
                one("control frame 0x" + Integer.toHexString(op) + " without FIN", frame(op, new byte[] {0x03, (byte) 0xE8}), 1002));
    }

    private static Arbitrary<Input> reservedOpcode() {
        return Arbitraries.of(0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF).map(op ->
                one("reserved opcode 0x" + Integer.toHexString(op), frame(0x80 | op, utf8("{\"type\":\"ping\"}")), 1002));
    }

    private static Arbitrary<Input> rsvBits() {
        return Arbitraries.of(0x40, 0x20, 0x10, 0x70).map(rsv ->
                one("RSV bits 0x" + Integer.toHexString(rsv) + " without an extension", frame(0x81 | rsv, utf8("{\"type\":\"ping\"}")), 1002));
    }

    private static Arbitrary<Input> unmasked() {
        return Arbitraries.of(0x81, 0x82, 0x89).map(b -> one("unmasked frame 0x" + Integer.toHexString(b),
                RawSocketClient.encodeFrame(b, utf8("{\"type\":\"ping\"}"), false), 1002));
    }

    private static Arbitrary<Input> oversizedFrame() {
        return Combinators.combine(Arbitraries.integers().between(MAX_FRAME + 1, 4 * MAX_FRAME), Arbitraries.of(0x81, 0x82))
                .as((n, op) -> one(n + "-byte frame 0x" + Integer.toHexString(op), frame(op, new byte[n]), 1009));
    }

    /** A valid close frame is echoed. Netty takes every code from 3000 up as valid, 5000 and 65535 too. */
    private static Arbitrary<Input> clientClose() {
        return Arbitraries.of(1000, 1001, 1003, 1008, 1011, 3000, 4999, 5000, 65535).map(code ->
                one("client close " + code, frame(0x88, new byte[] {(byte) (code >> 8), (byte) (int) code, 'b', 'y', 'e'}), code));
    }

    /**
     * An invalid close frame. A 1-byte body is caught in the frame header: 1002. A bad code or a
     * reason that is not UTF-8 is caught after Netty has taken the frame as the client's closing
     * handshake, so it closes the TCP connection without a close frame of its own (RFC 6455 7.1.7
     * allows that: "Fail the WebSocket Connection"); -1 here.
     */
    private static Arbitrary<Input> badClose() {
        Arbitrary<Input> badCode = Arbitraries.of(0, 999, 1004, 1005, 1006, 1015, 1016, 2999).map(code ->
                one("close with invalid code " + code, frame(0x88, new byte[] {(byte) (code >> 8), (byte) (int) code}), -1));
        Arbitrary<Input> badReason = Arbitraries.just(one("close with a reason that is not UTF-8",
                frame(0x88, new byte[] {0x03, (byte) 0xE8, (byte) 0xC3, 0x28}), -1));
        Arbitrary<Input> oneByte = Arbitraries.just(one("close with a 1-byte body", frame(0x88, new byte[] {3}), 1002));
        return Arbitraries.oneOf(badCode, badReason, oneByte);
    }
}
