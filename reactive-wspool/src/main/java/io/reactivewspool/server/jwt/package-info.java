/**
 * A JWT {@link io.reactivewspool.server.Authenticator}: signed tokens (HS256, RS256, ES256) with
 * keys inline or from a JWKS URL, whose {@code exp} becomes the connection's credentials expiry.
 * Needs {@code com.nimbusds:nimbus-jose-jwt} on the class path (an optional dependency of the core).
 */
package io.reactivewspool.server.jwt;
