package io.reactivewspool.internal.redis;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;

import io.reactivewspool.broker.BrokerMessage;

/**
 * The binary frame a {@link BrokerMessage} travels in over Redis: a short header (version, kind,
 * origin node, target, excluded connection ids) followed by the encoded envelope, untouched.
 */
final class BrokerFrame {

    private static final byte VERSION = 1;

    private BrokerFrame() {
    }

    static byte[] encode(BrokerMessage m) {
        byte[] origin = utf8(m.originNodeId());
        byte[] target = utf8(m.target() == null ? "" : m.target());
        Set<String> excluded = m.excludedConnectionIds() == null ? Set.of() : m.excludedConnectionIds();
        int size = 1 + 1 + 2 + origin.length + 2 + target.length + 2 + m.payload().length;
        byte[][] ex = new byte[excluded.size()][];
        int i = 0;
        for (String id : excluded) {
            ex[i] = utf8(id);
            size += 2 + ex[i].length;
            i++;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.put(VERSION).put((byte) m.kind().ordinal());
        putShortBytes(b, origin);
        putShortBytes(b, target);
        b.putShort((short) ex.length);
        for (byte[] e : ex) {
            putShortBytes(b, e);
        }
        b.put(m.payload());
        return b.array();
    }

    /** Decodes a frame, or throws {@link IllegalArgumentException} saying why it is not one. */
    static BrokerMessage decode(byte[] frame) {
        try {
            ByteBuffer b = ByteBuffer.wrap(frame);
            byte version = b.get();
            if (version != VERSION) {
                throw new IllegalArgumentException("unknown broker frame version " + version);
            }
            int kindOrdinal = b.get();
            BrokerMessage.Kind[] kinds = BrokerMessage.Kind.values();
            if (kindOrdinal < 0 || kindOrdinal >= kinds.length) {
                throw new IllegalArgumentException("unknown broker message kind " + kindOrdinal);
            }
            String origin = getShortString(b);
            String target = getShortString(b);
            int count = Short.toUnsignedInt(b.getShort());
            Set<String> excluded = count == 0 ? Set.of() : new LinkedHashSet<>(count * 2);
            for (int i = 0; i < count; i++) {
                excluded.add(getShortString(b));
            }
            byte[] payload = new byte[b.remaining()];
            b.get(payload);
            return new BrokerMessage(kinds[kindOrdinal], target, payload, origin, excluded);
        } catch (java.nio.BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated broker frame of " + frame.length + " bytes", e);
        }
    }

    private static void putShortBytes(ByteBuffer b, byte[] bytes) {
        if (bytes.length > 0xFFFF) {
            throw new IllegalArgumentException("broker frame field longer than 65535 bytes");
        }
        b.putShort((short) bytes.length).put(bytes);
    }

    private static String getShortString(ByteBuffer b) {
        int len = Short.toUnsignedInt(b.getShort());
        byte[] bytes = new byte[len];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
