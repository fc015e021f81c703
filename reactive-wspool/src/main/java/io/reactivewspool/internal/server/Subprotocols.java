package io.reactivewspool.internal.server;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import io.reactivewspool.message.WsCodec;
import io.reactivewspool.server.Admission;
import io.reactivewspool.server.HandshakeInfo;
import io.reactivewspool.server.WsHubOptions;

/**
 * The hub's codecs by WebSocket subprotocol: which one an upgrade asks for, and which codec a
 * connection then speaks. The first name the client lists that the hub knows wins (the client's
 * order, as Netty's and Spring's handshakers pick); a client that lists none the hub knows gets
 * the default codec and no {@code Sec-WebSocket-Protocol} in the answer, as RFC 6455 allows.
 * Only the header's first line is read, as those handshakers read it.
 */
public final class Subprotocols {

    private final WsCodec fallback;
    private final Map<String, WsCodec> byName = new HashMap<>();

    /**
     * {@code WsHubOptions.codecs}, checked: each codec names a subprotocol of RFC 7230 token
     * characters, and no two name the same one.
     */
    public static List<WsCodec> checked(WsCodec... codecs) {
        Objects.requireNonNull(codecs, "codecs");
        Set<String> names = new HashSet<>();
        for (WsCodec c : codecs) {
            Objects.requireNonNull(c, "codecs element");
            String name = c.subprotocol();
            if (name == null || name.isEmpty() || !name.chars().allMatch(Subprotocols::tokenChar)) {
                throw new IllegalArgumentException("codecs: each codec needs a subprotocol of token characters "
                        + "(letters, digits, !#$%&'*+-.^_`|~), was '" + name + "' for " + c.getClass().getName()
                        + "; override WsCodec.subprotocol()");
            }
            if (!names.add(name)) {
                throw new IllegalArgumentException("codecs: subprotocol '" + name + "' is named by two codecs; "
                        + "each subprotocol selects one codec");
            }
        }
        return List.of(codecs);
    }

    /** The codecs a client may ask for: the listed ones, then the default when no listed one has its name. */
    public static List<WsCodec> negotiable(WsCodec codec, List<WsCodec> listed) {
        List<WsCodec> all = new ArrayList<>(listed);
        String name = codec.subprotocol();
        if (name != null && listed.stream().noneMatch(c -> name.equals(c.subprotocol()))) {
            all.add(codec);
        }
        return List.copyOf(all);
    }

    /** A character of an RFC 7230 token, the syntax of a subprotocol name. */
    private static boolean tokenChar(int ch) {
        return ch > 0x20 && ch < 0x7f && "()<>@,;:\\\"/[]?={}".indexOf(ch) < 0;
    }

    Subprotocols(WsHubOptions options) {
        this.fallback = options.codec();
        for (WsCodec c : options.codecs()) {
            byName.put(c.subprotocol(), c);
        }
    }

    /** An accepted admission with the subprotocol its request asks for; a refusal as it is. */
    Admission answer(Admission admission, HandshakeInfo handshake) {
        return admission.isAccepted() ? admission.withSubprotocol(choose(handshake.header("sec-websocket-protocol"))) : admission;
    }

    /** The first known name of a {@code Sec-WebSocket-Protocol} value, or {@code null}. */
    String choose(String header) {
        if (header == null || byName.isEmpty()) {
            return null;
        }
        for (String name : header.split(",")) {
            String n = name.trim();
            if (byName.containsKey(n)) {
                return n;
            }
        }
        return null;
    }

    /** The codec of a connection admitted with {@code subprotocol} ({@code null}: the default). */
    WsCodec codecOf(String subprotocol) {
        return subprotocol == null ? fallback : byName.getOrDefault(subprotocol, fallback);
    }
}
