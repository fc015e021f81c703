package io.reactivewspool.internal.netty;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.reactivewspool.server.HandshakeInfo;
import reactor.netty.http.server.HttpServerRequest;

/** Builds {@link HandshakeInfo} from Reactor Netty requests. */
final class Handshakes {

    private Handshakes() {
    }

    static HandshakeInfo of(HttpServerRequest req) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : req.requestHeaders()) {
            headers.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue());
        }
        QueryStringDecoder q = new QueryStringDecoder(req.uri());
        InetSocketAddress remote = req.remoteAddress();
        return new HandshakeInfo(q.path(), headers, q.parameters(), remote, null);
    }
}
