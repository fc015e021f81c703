package io.reactivewspool.spring;

import io.reactivewspool.test.CodecConformanceSuite;
import io.reactivewspool.test.ServerFactory;

/**
 * The codec rows (CBOR, MessagePack, subprotocol negotiation, one encoding per codec) against the
 * hub served by WebFlux through the starter: Spring's handshake must answer the subprotocol the hub
 * chose, and its session must carry binary frames both ways.
 */
public class SpringCodecConformanceIT extends CodecConformanceSuite {

    @Override
    protected ServerFactory factory() {
        return SpringHubConformanceIT.factory(SpringHubConformanceIT.ConformanceApp.class);
    }
}
