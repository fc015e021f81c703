package io.reactivewspool.server;

import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Decides, per connection and topic, whether a client may subscribe and whether it may publish.
 * Called on the connection's I/O thread for every {@code subscribe} and {@code publish}: must be
 * fast and must not block. A refusal answers {@code error} and keeps the connection open.
 *
 * <p>{@link #defaults()}: every client may subscribe to any valid topic, no client may publish.
 *
 * <pre>{@code
 * TopicPolicy policy = TopicPolicy.publishTo(List.of("chat.*", "pub.*"));
 * }</pre>
 */
public interface TopicPolicy {

    /** Whether the connection may subscribe to the topic. */
    boolean canSubscribe(WsConnectionView connection, String topic);

    /** Whether the connection may publish to the topic. */
    boolean canPublish(WsConnectionView connection, String topic);

    /** Subscribe anywhere, publish nowhere. */
    static TopicPolicy defaults() {
        return publishTo(List.of());
    }

    /**
     * Subscribe anywhere; publish only to topics matching one of the glob patterns
     * ({@code *} any run of characters, {@code ?} one character).
     */
    static TopicPolicy publishTo(Collection<String> globPatterns) {
        List<Pattern> patterns = globPatterns.stream().map(TopicPolicy::glob).toList();
        return new TopicPolicy() {
            @Override
            public boolean canSubscribe(WsConnectionView connection, String topic) {
                return true;
            }

            @Override
            public boolean canPublish(WsConnectionView connection, String topic) {
                for (Pattern p : patterns) {
                    if (p.matcher(topic).matches()) {
                        return true;
                    }
                }
                return false;
            }

            @Override
            public String toString() {
                return "TopicPolicy{publish=" + globPatterns + "}";
            }
        };
    }

    /** Compiles a glob ({@code *}, {@code ?}) to an anchored regular expression. */
    static Pattern glob(String glob) {
        if (glob == null || glob.isEmpty()) {
            throw new IllegalArgumentException("topic pattern must not be empty");
        }
        StringBuilder re = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }
}
