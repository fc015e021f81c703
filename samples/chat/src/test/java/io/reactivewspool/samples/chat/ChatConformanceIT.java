package io.reactivewspool.samples.chat;

import io.reactivewspool.spring.test.SharedSpringServers;
import io.reactivewspool.test.HubConformanceSuite;
import io.reactivewspool.test.ServerFactory;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The chat application speaks the wire protocol exactly as the standalone server does: the same
 * conformance suite (one test per row of PROTOCOL.md) runs against it, with the suite's hub
 * options in place of the chat's. One chat application serves the tests in turn, each with a hub
 * of its own ({@link SharedSpringServers}).
 */
class ChatConformanceIT extends HubConformanceSuite {

    @RegisterExtension
    static final SharedSpringServers SERVERS = new SharedSpringServers(ChatApplication.class, base().build(), ADMIN);

    @Override
    protected ServerFactory factory() {
        return SERVERS;
    }
}
