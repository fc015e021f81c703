package io.reactivewspool.test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.WsHubOptions;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The in-process hubs a unit test creates (connections as {@link FakeTransport}s, no server), each
 * closed after the test.
 *
 * <pre>{@code
 * @RegisterExtension
 * final OpenHubs hubs = new OpenHubs();
 * ...
 * WsHub hub = hubs.create(WsHubOptions.builder().broker(broker).build());
 * }</pre>
 */
public final class OpenHubs implements AfterEachCallback {

    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);

    private final List<WsHub> hubs = new ArrayList<>();

    /** A hub with {@code options}, closed after the test. */
    public WsHub create(WsHubOptions options) {
        WsHub hub = WsHub.create(options);
        hubs.add(hub);
        return hub;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        try {
            for (WsHub hub : hubs) {
                hub.close().block(CLOSE_TIMEOUT);
            }
        } finally {
            hubs.clear();
        }
    }
}
