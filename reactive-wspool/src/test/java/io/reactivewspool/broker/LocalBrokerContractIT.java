package io.reactivewspool.broker;

import io.reactivewspool.history.HistoryOptions;
import io.reactivewspool.history.TopicHistory;

/** The {@link BrokerContract} on {@link LocalBroker}: one node, in-memory history. */
class LocalBrokerContractIT extends BrokerContract {

    @Override
    protected Broker connect(String nodeId) {
        return new LocalBroker(nodeId);
    }

    @Override
    protected int maxNodes() {
        return 1;
    }

    @Override
    protected TopicHistory history(Broker broker, HistoryOptions options) {
        return TopicHistory.inMemory(options);
    }
}
