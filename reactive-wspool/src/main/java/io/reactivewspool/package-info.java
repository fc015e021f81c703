/**
 * The root of reactive-wspool: the {@link io.reactivewspool.WsException} hierarchy shared by
 * the client and the server halves. The API lives in the sub-packages:
 * <ul>
 * <li>{@code message}: the envelope, the {@code WsCodec} SPI (add a codec here) and topic names;</li>
 * <li>{@code client}: one connection, the pool, the reconnecting topic client;</li>
 * <li>{@code server}: the hub, the {@code WsTransport} SPI that engines implement, the security
 * SPIs and the admin operations;</li>
 * <li>{@code server.netty}: {@code WsServer} and its two Netty engines;</li>
 * <li>{@code broker}: the {@code Broker} SPI between nodes (add a broker here) and the in-process
 * default; {@code broker.redis}: the Redis broker;</li>
 * <li>{@code history}: topic history for recovery; {@code metrics}: Micrometer binders.</li>
 * </ul>
 * Everything under {@code internal} implements these and is not API. {@code docs/ARCHITECTURE.md}
 * draws the packages and lists the files to touch to add a broker, a codec or an engine.
 */
package io.reactivewspool;
