package io.reactivewspool.message;

/**
 * The rule for topic names on the wire: 1 to {@value #MAX_LENGTH} characters from
 * {@code A-Za-z0-9_.:/-}.
 *
 * <pre>{@code
 * String problem = TopicName.problem("orders/eu");   // null: valid
 * TopicName.requireValid("bad topic!");               // IllegalArgumentException naming the rule
 * }</pre>
 */
public final class TopicName {

    /** The longest topic name the protocol accepts. */
    public static final int MAX_LENGTH = 256;

    private TopicName() {
    }

    /** {@code true} when {@code topic} follows the rule. */
    public static boolean isValid(String topic) {
        return problem(topic) == null;
    }

    /**
     * What is wrong with {@code topic}, as a sentence for an error reply, or {@code null} when it
     * is valid.
     */
    public static String problem(String topic) {
        if (topic == null || topic.isEmpty()) {
            return "topic must not be empty";
        }
        if (topic.length() > MAX_LENGTH) {
            return "topic must be at most " + MAX_LENGTH + " characters, was " + topic.length();
        }
        for (int i = 0; i < topic.length(); i++) {
            char c = topic.charAt(i);
            if (!isAllowed(c)) {
                return "topic may contain only A-Z a-z 0-9 _ . : / -, found '" + printable(c)
                        + "' at index " + i;
            }
        }
        return null;
    }

    /** Returns {@code topic} when valid, otherwise throws an {@link IllegalArgumentException}. */
    public static String requireValid(String topic) {
        String problem = problem(topic);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return topic;
    }

    private static boolean isAllowed(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '_' || c == '.' || c == ':' || c == '/' || c == '-';
    }

    private static String printable(char c) {
        return c < 0x20 || c > 0x7e ? String.format("\\u%04x", (int) c) : String.valueOf(c);
    }
}
