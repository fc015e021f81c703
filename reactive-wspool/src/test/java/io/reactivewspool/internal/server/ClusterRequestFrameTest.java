package io.reactivewspool.internal.server;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The payload of the hub's cross-node requests and replies: every part round-trips; anything else is {@code null}. */
class ClusterRequestFrameTest {

    @Test
    void requestAndReplyRoundTripWithABodyOfAnyBytes() {
        byte[] body = {'{', 0, (byte) 0xff, '}'};
        ClusterRequestFrame request = ClusterRequestFrame.decode(ClusterRequestFrame.request(7, 5_000, body).encode());
        assertThat(request.request()).isEqualTo(7);
        assertThat(request.timeoutMs()).isEqualTo(5_000);
        assertThat(request.outcome()).isNull();
        assertThat(request.body()).isEqualTo(body);

        ClusterRequestFrame reply = ClusterRequestFrame.decode(ClusterRequestFrame.reply(7, ClusterRequestFrame.CLOSED, "hub:3",
                "bye \"now\" ü", 4001, new byte[0]).encode());
        assertThat(reply.outcome()).isEqualTo(ClusterRequestFrame.CLOSED);
        assertThat(reply.requestId()).isEqualTo("hub:3");
        assertThat(reply.reason()).isEqualTo("bye \"now\" ü");
        assertThat(reply.code()).isEqualTo(4001);
        assertThat(reply.body()).isEmpty();
    }

    @Test
    void anythingElseIsNotAFrame() {
        assertThat(ClusterRequestFrame.decode(new byte[0])).isNull();
        assertThat(ClusterRequestFrame.decode(new byte[] {0, 0, 0, 99, '{', '}'})).as("header longer than the payload").isNull();
        assertThat(ClusterRequestFrame.decode(new byte[] {(byte) 0xff, 0, 0, 0})).as("negative header length").isNull();
        byte[] noRequest = "{\"outcome\":\"ack\"}".getBytes(StandardCharsets.UTF_8);
        byte[] framed = new byte[4 + noRequest.length];
        framed[3] = (byte) noRequest.length;
        System.arraycopy(noRequest, 0, framed, 4, noRequest.length);
        assertThat(ClusterRequestFrame.decode(framed)).as("a header without its request number").isNull();
        byte[] notJson = {0, 0, 0, 2, '{', 'x'};
        assertThat(ClusterRequestFrame.decode(notJson)).isNull();
    }
}
