package io.reactivewspool.client;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

import io.reactivewspool.WsConnectException;
import io.reactivewspool.internal.OptionRange;
import io.reactivewspool.message.WsCodec;
import reactor.netty.http.client.HttpClient;

/**
 * Immutable options of one WebSocket client connection: where to connect, what to send in the
 * upgrade request, limits and timeouts. Built with {@link #builder(String)}; {@link #mutate()}
 * gives a pre-filled builder. Setters check their argument at once; {@link Builder#build()}
 * checks the rest.
 *
 * <pre>{@code
 * WsClientOptions options = WsClientOptions.builder("ws://localhost:8080/ws")
 *         .bearerToken(token)
 *         .connectTimeout(Duration.ofSeconds(3))
 *         .build();
 * }</pre>
 *
 * <p>Defaults: connect timeout {@value #DEFAULT_CONNECT_TIMEOUT_MS} ms, handshake timeout
 * {@value #DEFAULT_HANDSHAKE_TIMEOUT_MS} ms, request timeout {@value #DEFAULT_REQUEST_TIMEOUT_MS} ms,
 * close timeout {@value #DEFAULT_CLOSE_TIMEOUT_MS} ms, max frame payload
 * {@value #DEFAULT_MAX_FRAME_SIZE} bytes, compression off, codec {@link WsCodec#json()}, receive buffer
 * {@value #DEFAULT_RECEIVE_BUFFER_SIZE} messages.
 * The bearer token is never logged nor printed by {@link #toString()}.
 */
public final class WsClientOptions {

    /** Default TCP connect timeout, in milliseconds. */
    public static final long DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
    /** Default time from TCP connect to a completed WebSocket upgrade, in milliseconds. */
    public static final long DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
    /** Default time a request waits for its reply, in milliseconds. */
    public static final long DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
    /** Default time {@code close} waits for the peer's close frame before dropping the socket, in milliseconds. */
    public static final long DEFAULT_CLOSE_TIMEOUT_MS = 5_000;
    /** Default maximum payload of one inbound frame (after aggregation of fragments), in bytes. */
    public static final int DEFAULT_MAX_FRAME_SIZE = 65_536;
    /** Largest allowed {@code maxFrameSize}, in bytes (16 MiB). */
    public static final int MAX_FRAME_SIZE_LIMIT = 16 * 1024 * 1024;
    /** Default number of inbound messages kept for a connection's holder until it reads them. */
    public static final int DEFAULT_RECEIVE_BUFFER_SIZE = 256;
    /** Smallest allowed {@code receiveBufferSize}. */
    public static final int RECEIVE_BUFFER_SIZE_MIN = 8;
    /** Largest allowed {@code receiveBufferSize}. */
    public static final int RECEIVE_BUFFER_SIZE_LIMIT = 65_536;

    private final URI url;
    private final Map<String, String> headers;
    private final List<String> subprotocols;
    private final String bearerToken;
    private final Duration connectTimeout;
    private final Duration handshakeTimeout;
    private final Duration requestTimeout;
    private final Duration closeTimeout;
    private final int maxFrameSize;
    private final int receiveBufferSize;
    private final boolean compression;
    private final WsCodec codec;
    private final Function<HttpClient, HttpClient> httpClientCustomizer;

    private WsClientOptions(Builder b) {
        this.url = b.url;
        this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(b.headers));
        this.subprotocols = List.copyOf(b.subprotocols);
        this.bearerToken = b.bearerToken;
        this.connectTimeout = b.connectTimeout;
        this.handshakeTimeout = b.handshakeTimeout;
        this.requestTimeout = b.requestTimeout;
        this.closeTimeout = b.closeTimeout;
        this.maxFrameSize = b.maxFrameSize;
        this.receiveBufferSize = b.receiveBufferSize;
        this.compression = b.compression;
        this.codec = b.codec;
        this.httpClientCustomizer = b.httpClientCustomizer;
    }

    /** A builder for the given {@code ws://} or {@code wss://} URL. */
    public static Builder builder(String url) {
        return new Builder(parseUrl(url));
    }

    /** A builder for the given {@code ws://} or {@code wss://} URL. */
    public static Builder builder(URI url) {
        return new Builder(checkUrl(url));
    }

    /** A builder pre-filled with these options. */
    public Builder mutate() {
        Builder b = new Builder(url);
        b.headers.putAll(headers);
        b.subprotocols.addAll(subprotocols);
        b.bearerToken = bearerToken;
        b.connectTimeout = connectTimeout;
        b.handshakeTimeout = handshakeTimeout;
        b.requestTimeout = requestTimeout;
        b.closeTimeout = closeTimeout;
        b.maxFrameSize = maxFrameSize;
        b.receiveBufferSize = receiveBufferSize;
        b.compression = compression;
        b.codec = codec;
        b.httpClientCustomizer = httpClientCustomizer;
        return b;
    }

    /** The WebSocket URL. */
    public URI url() {
        return url;
    }

    /** The URL as it may be logged (no query, no user info). */
    public String safeUrl() {
        return WsConnectException.safeUrl(url);
    }

    /** Extra headers of the upgrade request. */
    public Map<String, String> headers() {
        return headers;
    }

    /** Subprotocols offered in {@code Sec-WebSocket-Protocol}, in order of preference. */
    public List<String> subprotocols() {
        return subprotocols;
    }

    /** The bearer token sent as {@code Authorization: Bearer ...}, or {@code null}. */
    public String bearerToken() {
        return bearerToken;
    }

    /** TCP connect timeout. */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** Time allowed from the start of the connect to a completed upgrade. */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /** Default time a {@link WsConnection#request} waits for its reply. */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /** Time {@link WsConnection#close} waits for the peer's close frame before dropping the socket. */
    public Duration closeTimeout() {
        return closeTimeout;
    }

    /** Maximum payload of one inbound frame, in bytes. */
    public int maxFrameSize() {
        return maxFrameSize;
    }

    /**
     * Inbound messages kept for the connection's holder (its owner, or the borrower of a pooled
     * connection) while no {@link WsConnection#receive()} subscriber is ready for them.
     */
    public int receiveBufferSize() {
        return receiveBufferSize;
    }

    /** Whether permessage-deflate is offered. */
    public boolean compression() {
        return compression;
    }

    /** The codec for messages. */
    public WsCodec codec() {
        return codec;
    }

    /** The customizer applied to the Reactor Netty {@link HttpClient} last (identity by default). */
    public Function<HttpClient, HttpClient> httpClientCustomizer() {
        return httpClientCustomizer;
    }

    @Override
    public String toString() {
        return "WsClientOptions{url=" + safeUrl() + ", headers=" + headers.keySet() + ", subprotocols=" + subprotocols
                + ", bearerToken=" + (bearerToken == null ? "none" : "***") + ", connectTimeout=" + connectTimeout
                + ", handshakeTimeout=" + handshakeTimeout + ", requestTimeout=" + requestTimeout
                + ", maxFrameSize=" + maxFrameSize + ", receiveBufferSize=" + receiveBufferSize + ", compression=" + compression + '}';
    }

    private static URI parseUrl(String url) {
        Objects.requireNonNull(url, "url");
        try {
            return checkUrl(URI.create(url));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("url must be a ws:// or wss:// URL, was '" + url + "'", e);
        }
    }

    private static URI checkUrl(URI url) {
        Objects.requireNonNull(url, "url");
        String scheme = url.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("ws") || scheme.equalsIgnoreCase("wss")) || url.getHost() == null) {
            throw new IllegalArgumentException("url must be a ws:// or wss:// URL with a host, was '"
                    + WsConnectException.safeUrl(url) + "'");
        }
        return url;
    }


    /** Builds {@link WsClientOptions}. Not thread-safe. */
    public static final class Builder {
        private final URI url;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private final List<String> subprotocols = new ArrayList<>();
        private String bearerToken;
        private Duration connectTimeout = Duration.ofMillis(DEFAULT_CONNECT_TIMEOUT_MS);
        private Duration handshakeTimeout = Duration.ofMillis(DEFAULT_HANDSHAKE_TIMEOUT_MS);
        private Duration requestTimeout = Duration.ofMillis(DEFAULT_REQUEST_TIMEOUT_MS);
        private Duration closeTimeout = Duration.ofMillis(DEFAULT_CLOSE_TIMEOUT_MS);
        private int maxFrameSize = DEFAULT_MAX_FRAME_SIZE;
        private int receiveBufferSize = DEFAULT_RECEIVE_BUFFER_SIZE;
        private boolean compression;
        private WsCodec codec = WsCodec.json();
        private Function<HttpClient, HttpClient> httpClientCustomizer = Function.identity();

        private Builder(URI url) {
            this.url = url;
        }

        /** Adds (or replaces) a header of the upgrade request. */
        public Builder header(String name, String value) {
            Objects.requireNonNull(name, "header name");
            Objects.requireNonNull(value, "header value");
            headers.put(name, value);
            return this;
        }

        /** Adds subprotocols to offer, in order of preference. */
        public Builder subprotocols(String... protocols) {
            for (String p : protocols) {
                if (p == null || p.isBlank() || p.contains(",")) {
                    throw new IllegalArgumentException("subprotocols must be non-blank tokens without ',', was '" + p + "'");
                }
                subprotocols.add(p);
            }
            return this;
        }

        /** The bearer token for {@code Authorization: Bearer <token>}; {@code null} for none. */
        public Builder bearerToken(String token) {
            if (token != null && token.isBlank()) {
                throw new IllegalArgumentException("bearerToken must not be blank");
            }
            this.bearerToken = token;
            return this;
        }

        /** TCP connect timeout, > 0; default {@value #DEFAULT_CONNECT_TIMEOUT_MS} ms. */
        public Builder connectTimeout(Duration timeout) {
            Duration d = OptionRange.positive("connectTimeout", timeout);
            if (d.toMillis() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("connectTimeout must be <= " + Integer.MAX_VALUE + "ms, was " + d);
            }
            this.connectTimeout = d;
            return this;
        }

        /** Time from the start of the connect to a completed upgrade, > 0; default {@value #DEFAULT_HANDSHAKE_TIMEOUT_MS} ms. */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = OptionRange.positive("handshakeTimeout", timeout);
            return this;
        }

        /** Default reply timeout of requests, > 0; default {@value #DEFAULT_REQUEST_TIMEOUT_MS} ms. */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = OptionRange.positive("requestTimeout", timeout);
            return this;
        }

        /** Time close waits for the peer's close frame, > 0; default {@value #DEFAULT_CLOSE_TIMEOUT_MS} ms. */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = OptionRange.positive("closeTimeout", timeout);
            return this;
        }

        /** Maximum inbound frame payload in bytes, 125 to {@value #MAX_FRAME_SIZE_LIMIT}; default {@value #DEFAULT_MAX_FRAME_SIZE}. */
        public Builder maxFrameSize(int bytes) {
            this.maxFrameSize = OptionRange.between("maxFrameSize", bytes, 125, MAX_FRAME_SIZE_LIMIT);
            return this;
        }

        /**
         * Inbound messages kept for the holder while no {@code receive()} subscriber is ready,
         * {@value #RECEIVE_BUFFER_SIZE_MIN} to {@value #RECEIVE_BUFFER_SIZE_LIMIT}, rounded up to a power
         * of two; default {@value #DEFAULT_RECEIVE_BUFFER_SIZE}. A message that does not fit is dropped
         * and counted in {@link WsConnection#overflowedMessages()}.
         */
        public Builder receiveBufferSize(int messages) {
            OptionRange.between("receiveBufferSize", messages, RECEIVE_BUFFER_SIZE_MIN, RECEIVE_BUFFER_SIZE_LIMIT);
            this.receiveBufferSize = messages;
            return this;
        }

        /** Offer permessage-deflate; default off. */
        public Builder compression(boolean enabled) {
            this.compression = enabled;
            return this;
        }

        /**
         * The message codec; default {@link WsCodec#json()}. A binary codec ({@link WsCodec#cbor()},
         * {@link WsCodec#messagePack()}) sends binary frames and, unless {@link #subprotocols} are set,
         * asks for its {@link WsCodec#subprotocol()}: a server that does not answer it fails the upgrade.
         */
        public Builder codec(WsCodec codec) {
            this.codec = Objects.requireNonNull(codec, "codec");
            return this;
        }

        /**
         * A last say over the Reactor Netty {@link HttpClient} (TLS, proxy, resolver, metrics),
         * applied after every other option.
         */
        public Builder httpClientCustomizer(Function<HttpClient, HttpClient> customizer) {
            this.httpClientCustomizer = Objects.requireNonNull(customizer, "httpClientCustomizer");
            return this;
        }

        /** The immutable options. */
        public WsClientOptions build() {
            if (handshakeTimeout.compareTo(connectTimeout) < 0) {
                throw new IllegalArgumentException("handshakeTimeout must be >= connectTimeout (" + connectTimeout
                        + "), was " + handshakeTimeout);
            }
            return new WsClientOptions(this);
        }
    }
}
