package io.reactivewspool.spring;

import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.spring.test.SharedSpringServers;
import io.reactivewspool.test.CodecConformanceSuite;
import io.reactivewspool.test.ServerFactory;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The codec rows (CBOR, MessagePack, subprotocol negotiation, one encoding per codec) against the
 * hub served by WebFlux through the starter: Spring's handshake must answer the subprotocol the hub
 * chose, and its session must carry binary frames both ways.
 */
public class SpringCodecConformanceIT extends CodecConformanceSuite {

    @RegisterExtension
    static final SharedSpringServers SERVERS = new SharedSpringServers(SpringHubConformanceIT.ConformanceApp.class,
            WsHubOptions.defaults(), null);

    @Override
    protected ServerFactory factory() {
        return SERVERS;
    }
}
