package io.reactivewspool.server;

import io.reactivewspool.history.HistoryOptions;
import io.reactivewspool.history.TopicHistory;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class WsHubOptionsHistoryTest {

    @Test
    void historyIsOffByDefaultAndMutateKeepsIt() {
        assertThat(WsHubOptions.defaults().history()).isNull();
        TopicHistory h = TopicHistory.inMemory(HistoryOptions.builder().build());
        WsHubOptions o = WsHubOptions.builder().history(h).build();
        assertThat(o.history()).isSameAs(h);
        assertThat(o.mutate().build().history()).isSameAs(h);
        assertThat(o.mutate().history(null).build().history()).isNull();
    }
}
