package io.reactivewspool.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The faults of the proxy, on plain sockets. A delayed path must never reorder its bytes: the chaos
 * campaign's 30-minute run of seed 24 failed because it did (one timer per chunk; timers due at
 * nearly the same time ran in either order), and a hub's Redis connection read garbage ("Invalid
 * first byte").
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TcpFaultProxyTest {

    @Test
    void aFrozenLinkPassesNeitherBytesNorCloseWhileALaterLinkForwards() throws Exception {
        try (ServerSocket target = new ServerSocket(); TcpFaultProxy proxy = listen(target)) {
            try (Socket client = new Socket("127.0.0.1", proxy.port()); Socket far = target.accept()) {
                far.setSoTimeout(10_000);
                client.getOutputStream().write('a');
                assertThat(far.getInputStream().read()).isEqualTo('a');

                assertThat(proxy.freeze()).isEqualTo(1);
                client.getOutputStream().write('b');
                client.close();
                far.setSoTimeout(500); // absence: neither the byte nor the close arrives in this bounded wait
                assertThatThrownBy(() -> far.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
                assertThat(proxy.targetSocketsClosed()).isZero();
            }
            try (Socket client = new Socket("127.0.0.1", proxy.port()); Socket far = target.accept()) {
                far.setSoTimeout(10_000);
                client.getOutputStream().write('c');
                assertThat(far.getInputStream().read()).isEqualTo('c');
                assertThat(proxy.acceptedConnections()).isEqualTo(2);
            }
        }
    }

    /** Both sides get an RST, never a FIN: resetting one socket closed the other through Forward first. */
    @RepeatedTest(50)
    void aResetClosesBothSidesAtOnce() throws Exception {
        try (ServerSocket target = new ServerSocket(); TcpFaultProxy proxy = listen(target)) {
            try (Socket client = new Socket("127.0.0.1", proxy.port()); Socket far = target.accept()) {
                client.setSoTimeout(10_000);
                far.setSoTimeout(10_000);
                far.getOutputStream().write('a');
                assertThat(client.getInputStream().read()).isEqualTo('a');

                assertThat(proxy.reset("")).isEqualTo(1);
                assertThatThrownBy(() -> client.getInputStream().read()).isInstanceOf(SocketException.class);
                assertThatThrownBy(() -> far.getInputStream().read()).isInstanceOf(SocketException.class);
            }
        }
    }

    private static TcpFaultProxy listen(ServerSocket target) throws Exception {
        target.bind(new InetSocketAddress("127.0.0.1", 0));
        return TcpFaultProxy.to(target.getLocalPort());
    }

    @Test
    void aDelayedPathKeepsTheOrderOfItsBytes() throws Exception {
        int chunks = 2_000;
        try (ServerSocket target = new ServerSocket()) {
            target.bind(new InetSocketAddress("127.0.0.1", 0));
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                try (Socket s = target.accept(); InputStream in = s.getInputStream()) {
                    ByteArrayOutputStream all = new ByteArrayOutputStream();
                    in.transferTo(all);
                    return all.toByteArray();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            TcpFaultProxy net = new TcpFaultProxy(2);
            try {
                int port = net.route("c1-target", target.getLocalPort());
                ByteArrayOutputStream sent = new ByteArrayOutputStream();
                try (Socket client = new Socket("127.0.0.1", port)) {
                    client.setTcpNoDelay(true);
                    OutputStream out = client.getOutputStream();
                    for (int i = 0; i < chunks; i++) {
                        if (i == 200) {
                            net.delay("c1-", 30, 300); // on, then off while chunks still wait
                        }
                        byte[] b = (i + ",").getBytes();
                        out.write(b);
                        out.flush();
                        sent.write(b);
                        if (i % 100 == 0) {
                            Thread.sleep(1);
                        }
                    }
                }
                assertThat(new String(received.get(30, TimeUnit.SECONDS))).isEqualTo(sent.toString());
            } finally {
                net.close();
            }
        }
    }
}
