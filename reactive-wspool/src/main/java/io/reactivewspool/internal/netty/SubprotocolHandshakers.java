package io.reactivewspool.internal.netty;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.reactivewspool.message.WsCodec;
import io.reactivewspool.server.WsHub;

/**
 * Netty's handshakers for the plain engine, one factory per subprotocol the hub offers: the hub
 * chooses the subprotocol in {@code admit}, and the handshaker of that one name answers it (a
 * factory offering only it selects exactly it), or answers none.
 */
final class SubprotocolHandshakers {

    private final String path;
    private final WebSocketDecoderConfig decoder;
    private final WebSocketServerHandshakerFactory none;
    private final Map<String, WebSocketServerHandshakerFactory> byName = new ConcurrentHashMap<>();

    SubprotocolHandshakers(String path, WebSocketDecoderConfig decoder, WsHub hub) {
        this.path = path;
        this.decoder = decoder;
        this.none = new WebSocketServerHandshakerFactory(path, null, decoder);
        for (WsCodec codec : hub.options().codecs()) {
            byName.put(codec.subprotocol(), factory(codec.subprotocol()));
        }
    }

    private WebSocketServerHandshakerFactory factory(String subprotocol) {
        return new WebSocketServerHandshakerFactory(path, subprotocol, decoder);
    }

    /** The handshaker answering {@code subprotocol} ({@code null}: no subprotocol header). */
    WebSocketServerHandshaker newHandshaker(FullHttpRequest request, String subprotocol) {
        WebSocketServerHandshakerFactory f = subprotocol == null ? none : byName.computeIfAbsent(subprotocol, this::factory);
        return f.newHandshaker(request);
    }
}
