package io.reactivewspool.test;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntFunction;

import io.reactivewspool.message.WsCodec;
import io.reactivewspool.message.WsMessage;

/**
 * A WebSocket client on a plain blocking {@link Socket}, for what a well-behaved client cannot
 * do: never read (a stalled consumer whose TCP window fills), never answer pings, or vanish with
 * a TCP reset. Speaks JSON in text frames unless connected with a binary {@link WsCodec}, asked
 * for by its subprotocol. Test threads only.
 */
public final class RawSocketClient implements AutoCloseable {

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final WsCodec codec;

    private RawSocketClient(Socket socket, WsCodec codec) throws IOException {
        this.socket = socket;
        this.codec = codec;
        // Buffered: a reader under load would otherwise make one system call per byte.
        this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 16 * 1024));
        this.out = socket.getOutputStream();
    }

    /** Connects and completes the upgrade; throws when the server does not answer 101. */
    public static RawSocketClient connect(String wsUrl) {
        return connect(wsUrl, 0);
    }

    /** @param receiveBuffer the socket receive buffer in bytes (0: system default) */
    public static RawSocketClient connect(String wsUrl, int receiveBuffer) {
        return connect(wsUrl, receiveBuffer, WsCodec.json());
    }

    /**
     * Connects asking for {@code codec}'s subprotocol when it is binary, and speaks it: {@link #send}
     * and {@link #readMessage} use its frames; throws when the server does not answer the subprotocol.
     *
     * @param receiveBuffer the socket receive buffer in bytes (0: system default)
     */
    public static RawSocketClient connect(String wsUrl, int receiveBuffer, WsCodec codec) {
        URI u = URI.create(wsUrl);
        try {
            Socket s = new Socket();
            if (receiveBuffer > 0) {
                s.setReceiveBufferSize(receiveBuffer);
            }
            s.connect(new InetSocketAddress(u.getHost(), u.getPort()), 5000);
            s.setSoTimeout(10_000);
            s.setTcpNoDelay(true); // small writes go out at once, not after a delayed ACK
            RawSocketClient c = new RawSocketClient(s, codec);
            c.handshake(u);
            return c;
        } catch (IOException e) {
            throw new AssertionError("raw connect to " + wsUrl + " failed: " + e, e);
        }
    }

    /**
     * Opens {@code n} connections from 8 threads (connection {@code i} to {@code urlOf.apply(i)})
     * and waits for every upgrade.
     */
    public static List<RawSocketClient> connectMany(int n, IntFunction<String> urlOf) {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<RawSocketClient>> opened = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                String url = urlOf.apply(i);
                opened.add(pool.submit(() -> connect(url)));
            }
            List<RawSocketClient> clients = new ArrayList<>(n);
            for (Future<RawSocketClient> c : opened) {
                clients.add(c.get());
            }
            return clients;
        } catch (ExecutionException e) {
            throw new AssertionError("connect failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } finally {
            pool.shutdownNow();
        }
    }

    private void handshake(URI u) throws IOException {
        byte[] key = new byte[16];
        ThreadLocalRandom.current().nextBytes(key);
        String path = u.getRawPath() + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
        String req = "GET " + path + " HTTP/1.1\r\nHost: " + u.getHost() + ":" + u.getPort()
                + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
                + Base64.getEncoder().encodeToString(key) + "\r\nSec-WebSocket-Version: 13\r\n"
                + (codec.binary() ? "Sec-WebSocket-Protocol: " + codec.subprotocol() + "\r\n" : "") + "\r\n";
        out.write(req.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed during handshake: " + head);
            }
            head.write(b);
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String status = head.toString(StandardCharsets.US_ASCII);
        if (!status.startsWith("HTTP/1.1 101")) {
            throw new IOException("upgrade refused: " + status.lines().findFirst().orElse(status));
        }
        if (codec.binary() && !status.toLowerCase(Locale.ROOT).contains("sec-websocket-protocol: " + codec.subprotocol())) {
            throw new IOException("subprotocol " + codec.subprotocol() + " not answered: " + status);
        }
    }

    public void sendText(WsMessage m) {
        sendText(new String(WsCodec.json().encode(m), StandardCharsets.UTF_8));
    }

    /** Sends one message in this client's codec: a binary frame for a binary codec, else a text frame. */
    public void send(WsMessage m) {
        if (codec.binary()) {
            sendFrame(0x82, codec.encode(m));
        } else {
            sendText(m);
        }
    }

    /** Sends one message in this client's codec in fragments of at most {@code fragmentBytes}, the last one final. */
    public void sendFragmented(WsMessage m, int fragmentBytes) {
        byte[] bytes = codec.encode(m);
        for (int from = 0; from < bytes.length; from += fragmentBytes) {
            int opcode = from == 0 ? (codec.binary() ? 0x2 : 0x1) : 0x0;
            int fin = from + fragmentBytes >= bytes.length ? 0x80 : 0;
            sendFrame(fin | opcode, Arrays.copyOfRange(bytes, from, Math.min(bytes.length, from + fragmentBytes)));
        }
    }

    /** Sends one masked text frame. */
    public void sendText(String text) {
        sendFrame(0x81, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Sends a text message in fragments: a text frame, continuation frames, the last one final. */
    public void sendFragmented(String... parts) {
        for (int i = 0; i < parts.length; i++) {
            int opcode = i == 0 ? 0x1 : 0x0;
            int fin = i == parts.length - 1 ? 0x80 : 0;
            sendFrame(fin | opcode, parts[i].getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * Reads (and discards) until the server ends the TCP stream; {@code true} on end of stream,
     * {@code false} when the connection was reset instead. Fails after the 10 s read timeout.
     */
    public boolean awaitEndOfStream() {
        byte[] sink = new byte[4096];
        try {
            while (in.read(sink) >= 0) {
                // discard
            }
            return true;
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no end of stream within the read timeout", e);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Sends one masked frame exactly as given.
     *
     * @param firstByte FIN, RSV1-3 and opcode, e.g. {@code 0x81} for a final text frame
     */
    public void sendFrame(int firstByte, byte[] payload) {
        sendFrame(firstByte, payload, true);
    }

    /** Sends one frame exactly as given, masked (as RFC 6455 requires of clients) or not. */
    public void sendFrame(int firstByte, byte[] payload, boolean masked) {
        sendRaw(encodeFrame(firstByte, payload, masked));
    }

    /** The wire bytes of one client frame: header, then the payload, masked with a random key or not. */
    public static byte[] encodeFrame(int firstByte, byte[] payload, boolean masked) {
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write(firstByte);
        int maskBit = masked ? 0x80 : 0;
        if (payload.length < 126) {
            f.write(maskBit | payload.length);
        } else if (payload.length < 65536) {
            f.write(maskBit | 126);
            f.write(payload.length >>> 8);
            f.write(payload.length & 0xff);
        } else {
            f.write(maskBit | 127);
            long n = payload.length;
            for (int i = 7; i >= 0; i--) {
                f.write((int) (n >>> (8 * i)) & 0xff);
            }
        }
        if (masked) {
            byte[] mask = new byte[4];
            ThreadLocalRandom.current().nextBytes(mask);
            f.write(mask, 0, 4);
            for (int i = 0; i < payload.length; i++) {
                f.write(payload[i] ^ mask[i & 3]);
            }
        } else {
            f.write(payload, 0, payload.length);
        }
        return f.toByteArray();
    }

    /** Writes bytes to the socket as they are. */
    public void sendRaw(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new AssertionError("raw send failed: " + e, e);
        }
    }

    /** Like {@link #sendRaw}, but reports whether the bytes could be written (false: the server is gone). */
    public boolean trySendRaw(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** One frame: opcode and payload. */
    public record Frame(int opcode, byte[] payload) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    /** Reads the next frame (blocking, at most 10 s). */
    public Frame readFrame() {
        try {
            int b0 = in.readUnsignedByte();
            int b1 = in.readUnsignedByte();
            long len = b1 & 0x7f;
            if (len == 126) {
                len = in.readUnsignedShort();
            } else if (len == 127) {
                len = in.readLong();
            }
            byte[] payload = new byte[(int) len];
            in.readFully(payload);
            return new Frame(b0 & 0x0f, payload);
        } catch (IOException e) {
            throw new AssertionError("raw read failed: " + e, e);
        }
    }

    /** Reads the next frame; {@code null} when the stream ended (FIN or reset) before a whole frame. */
    public Frame readFrameOrEnd() {
        try {
            return readFrame();
        } catch (AssertionError e) {
            if (e.getCause() instanceof SocketTimeoutException) {
                throw e;
            }
            return null;
        }
    }

    /** The status code of a close frame (1005 when it carries none). */
    public static int closeCode(Frame f) {
        return f.payload().length >= 2 ? ((f.payload()[0] & 0xff) << 8) | (f.payload()[1] & 0xff) : 1005;
    }

    /** The reason of a close frame ("" when it carries none). */
    public static String closeReason(Frame f) {
        return f.payload().length > 2 ? new String(f.payload(), 2, f.payload().length - 2, StandardCharsets.UTF_8) : "";
    }

    /**
     * Sends {@code request} as raw bytes on a new TCP connection to the server of {@code wsUrl}
     * and returns everything the server answered, until it closed the connection or said nothing
     * for {@code quietMillis}. For malformed HTTP that no HTTP client would send.
     */
    public static String exchangeRaw(String wsUrl, byte[] request, int quietMillis) {
        URI u = URI.create(wsUrl);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(u.getHost(), u.getPort()), 5000);
            s.setSoTimeout(quietMillis);
            s.getOutputStream().write(request);
            s.getOutputStream().flush();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            try {
                int n;
                while ((n = s.getInputStream().read(buf)) >= 0) {
                    answer.write(buf, 0, n);
                }
            } catch (SocketTimeoutException quiet) {
                // the server keeps the connection open: what it said so far is the answer
            } catch (IOException reset) {
                // closed with a reset: same as closed
            }
            return answer.toString(StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new AssertionError("raw exchange with " + wsUrl + " failed: " + e, e);
        }
    }

    /** Reads the next message (a text frame, or a binary frame in a binary codec), skipping control frames. */
    public WsMessage readMessage() {
        for (;;) {
            Frame f = readFrame();
            if (f.opcode() == 1) {
                if (codec.binary()) {
                    throw new AssertionError("text frame on a " + codec.subprotocol() + " connection: " + f.text());
                }
                return WsCodec.json().decode(f.payload());
            }
            if (f.opcode() == 2 && codec.binary()) {
                return codec.decode(f.payload());
            }
            if (f.opcode() == 8) {
                throw new AssertionError("closed while waiting for a message: " + closeCode(f));
            }
        }
    }

    /** Reads (and discards) frames until a close frame; returns its code, -1 if the stream ended. Closes the socket. */
    public int readUntilCloseCode() {
        try {
            return readToCloseFrame();
        } finally {
            close();
        }
    }

    /**
     * Reads (and discards) frames until a close frame and returns its code, -1 if the stream
     * ended first; the socket stays open (see {@link #awaitEndOfStream}).
     */
    public int readToCloseFrame() {
        for (;;) {
            Frame f;
            try {
                f = readFrame();
            } catch (AssertionError e) {
                if (e.getCause() instanceof SocketTimeoutException) {
                    throw e;
                }
                return -1;
            }
            if (f.opcode() == 8) {
                return closeCode(f);
            }
        }
    }

    /** Vanishes with a TCP reset: no close frame, no FIN. */
    public void abort() {
        try {
            socket.setSoLinger(true, 0);
            socket.close();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // already gone
        }
    }
}
