package io.reactivewspool.client;

import java.time.Duration;

/**
 * A snapshot of a {@link WsClientPool}'s state and counters, taken by {@link WsClientPool#metrics()}.
 *
 * @param allocated          connections open or being opened (the pool's size)
 * @param acquired           connections handed out to callers now
 * @param idle               connections waiting in the pool now
 * @param pending            acquires waiting for a connection now
 * @param minConnections     the current minimum size
 * @param maxConnections     the current maximum size
 * @param created            connections opened since the pool started
 * @param destroyed          connections closed by the pool since it started
 * @param failedConnects     connect attempts that failed since the pool started
 * @param acquires           acquires that succeeded since the pool started
 * @param acquireLatencyMean mean time of a successful acquire
 * @param acquireLatencyMax  longest successful acquire
 */
public record WsClientPoolMetrics(int allocated, int acquired, int idle, int pending, int minConnections,
                                  int maxConnections, long created, long destroyed, long failedConnects, long acquires,
                                  Duration acquireLatencyMean, Duration acquireLatencyMax) {
}
