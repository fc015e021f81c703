package io.reactivewspool.internal.redis;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.reactivewspool.broker.BrokerMessage;

/**
 * The binary frame a {@link BrokerMessage} travels in over Redis, followed by the encoded
 * envelope, untouched.
 *
 * <p>Version 2: {@code 2, kind, origin, id (8 bytes), target count (4), targets, excluded count (4),
 * excluded ids, payload}, each string a 4-byte length and UTF-8 bytes. The targets are a list, so a
 * user id or topic crosses exactly as given (a comma is a character like any other). {@code id}
 * names one publish of the origin node: a message to several topics is published on each topic's
 * channel with the same id, and a receiving node keeps the first copy.
 *
 * <p>Version 1 ({@code 1, kind, origin, target, excluded, payload}, 2-byte lengths, one target
 * string) is still decoded, so that a node being upgraded hears the nodes not yet upgraded. A
 * version 1 sender only ever sent one topic or one user per message (its multi-topic messages went
 * to a channel nobody heard), so its target is taken whole.
 */
final class BrokerFrame {

    static final byte VERSION = 2;
    private static final byte VERSION_1 = 1;

    /** A decoded frame: the message and the id of the publish it belongs to. */
    record Decoded(BrokerMessage message, long id) {
    }

    private BrokerFrame() {
    }

    static byte[] encode(BrokerMessage m, long id) {
        byte[] origin = utf8(m.originNodeId());
        List<byte[]> targets = utf8All(m.targets());
        List<byte[]> excluded = utf8All(m.excludedConnectionIds());
        int size = 1 + 1 + 4 + origin.length + 8 + sizeOf(targets) + sizeOf(excluded) + m.payload().length;
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put(VERSION).put((byte) m.kind().ordinal());
        putBytes(b, origin);
        b.putLong(id);
        putAll(b, targets);
        putAll(b, excluded);
        b.put(m.payload());
        return b.array();
    }

    /** Decodes a frame, or throws {@link IllegalArgumentException} saying why it is not one. */
    static Decoded decode(byte[] frame) {
        try {
            ByteBuffer b = ByteBuffer.wrap(frame);
            byte version = b.get();
            if (version != VERSION && version != VERSION_1) {
                throw new IllegalArgumentException("unknown broker frame version " + version);
            }
            int kindOrdinal = b.get();
            BrokerMessage.Kind[] kinds = BrokerMessage.Kind.values();
            if (kindOrdinal < 0 || kindOrdinal >= kinds.length) {
                throw new IllegalArgumentException("unknown broker message kind " + kindOrdinal);
            }
            if (version == VERSION_1) {
                String origin = getString(b, Short.toUnsignedInt(b.getShort()));
                String target = getString(b, Short.toUnsignedInt(b.getShort()));
                int count = Short.toUnsignedInt(b.getShort());
                Set<String> excluded = new LinkedHashSet<>();
                for (int i = 0; i < count; i++) {
                    excluded.add(getString(b, Short.toUnsignedInt(b.getShort())));
                }
                return new Decoded(new BrokerMessage(kinds[kindOrdinal], target, rest(b), origin, excluded), 0);
            }
            String origin = getString(b, length(b));
            long id = b.getLong();
            List<String> targets = getAll(b);
            if (targets.isEmpty()) {
                throw new IllegalArgumentException("broker frame without a target");
            }
            Set<String> excluded = new LinkedHashSet<>(getAll(b));
            return new Decoded(new BrokerMessage(kinds[kindOrdinal], targets, rest(b), origin, excluded), id);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated broker frame of " + frame.length + " bytes", e);
        }
    }

    private static int sizeOf(List<byte[]> strings) {
        int size = 4;
        for (byte[] s : strings) {
            size += 4 + s.length;
        }
        return size;
    }

    private static void putAll(ByteBuffer b, List<byte[]> strings) {
        b.putInt(strings.size());
        for (byte[] s : strings) {
            putBytes(b, s);
        }
    }

    private static List<String> getAll(ByteBuffer b) {
        int count = b.getInt();
        // Each string takes at least its 4-byte length: a count beyond that is a broken frame.
        if (count < 0 || count > b.remaining() / 4) {
            throw new IllegalArgumentException("broker frame announces " + count + " strings in "
                    + b.remaining() + " bytes");
        }
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(getString(b, length(b)));
        }
        return out;
    }

    private static void putBytes(ByteBuffer b, byte[] bytes) {
        b.putInt(bytes.length).put(bytes);
    }

    private static int length(ByteBuffer b) {
        int len = b.getInt();
        if (len < 0 || len > b.remaining()) {
            throw new IllegalArgumentException("broker frame field of " + len + " bytes, "
                    + b.remaining() + " left");
        }
        return len;
    }

    private static String getString(ByteBuffer b, int len) {
        byte[] bytes = new byte[len];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static byte[] rest(ByteBuffer b) {
        byte[] payload = new byte[b.remaining()];
        b.get(payload);
        return payload;
    }

    private static List<byte[]> utf8All(Iterable<String> strings) {
        List<byte[]> out = new ArrayList<>();
        for (String s : strings) {
            out.add(utf8(s));
        }
        return out;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
