package io.reactivewspool.samples.chat;

import io.reactivewspool.spring.SpringHubConformanceIT;
import io.reactivewspool.test.HubConformanceSuite;
import io.reactivewspool.test.ServerFactory;

/**
 * The chat application speaks the wire protocol exactly as the standalone server does: the same
 * conformance suite (one test per row of PROTOCOL.md) runs against it, with the suite's hub
 * options in place of the chat's.
 */
class ChatConformanceIT extends HubConformanceSuite {

    @Override
    protected ServerFactory factory() {
        return SpringHubConformanceIT.factory(ChatApplication.class);
    }
}
