package io.reactivewspool.bench.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The campaign's proxy must never reorder the bytes of a path it delays: the 30-minute run of seed
 * 24 failed because it did (one timer per chunk; timers due at nearly the same time ran in either
 * order), and a hub's Redis connection read garbage ("Invalid first byte").
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChaosProxyTest {

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
            ChaosProxy net = new ChaosProxy();
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
