/**
 * Implementation, not API: types under {@code internal} may change in any release, no public
 * signature names them, and the Spring module does not use them (both held by the ArchUnit tests).
 * This package holds what both halves share ({@link io.reactivewspool.internal.LogLimiter});
 * {@code client}, {@code server}, {@code netty} (the server engines), {@code codec},
 * {@code history} and {@code redis} implement the public package of the same name.
 */
package io.reactivewspool.internal;
