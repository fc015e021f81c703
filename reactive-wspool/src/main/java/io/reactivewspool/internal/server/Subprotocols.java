package io.reactivewspool.internal.server;

import java.util.HashMap;
import java.util.Map;

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
final class Subprotocols {

    private final WsCodec fallback;
    private final Map<String, WsCodec> byName = new HashMap<>();

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
