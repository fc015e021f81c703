/**
 * Implementation of the client half: the Reactor Netty connector and connection, the pool over
 * reactor-pool with its resizable allocation strategy, adaptive sizing, borrowing, pool events,
 * and the reconnecting topic client. Not API: types here may change in any release, and no public
 * signature names them.
 */
package io.reactivewspool.internal.client;
