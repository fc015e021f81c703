package io.reactivewspool.test;

import io.reactivewspool.server.WsHubOptions;

/** Starts a {@link ServerUnderTest} with hub options and, optionally, an admin token. */
@FunctionalInterface
public interface ServerFactory {

    /** @param adminToken the admin bearer token, or {@code null}: no admin authenticator (403 for all) */
    ServerUnderTest start(WsHubOptions options, String adminToken);
}
