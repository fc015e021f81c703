package io.reactivewspool.message;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TopicNameTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "prices", "batch_progress_42", "orders/eu:west-1.v2", "A-Z_a-z.0-9:/"})
    void acceptsProtocolCharacters(String topic) {
        assertThat(TopicName.problem(topic)).isNull();
        assertThat(TopicName.requireValid(topic)).isEqualTo(topic);
    }

    @ParameterizedTest
    @ValueSource(strings = {"has space", "semi;colon", "émoji", "tab\t", "star*", "q?"})
    void rejectsOtherCharactersNamingTheFirstOne(String topic) {
        assertThat(TopicName.problem(topic)).startsWith("topic may contain only").contains("at index");
    }

    @Test
    void rejectsEmptyAndNull() {
        assertThat(TopicName.problem("")).isEqualTo("topic must not be empty");
        assertThat(TopicName.problem(null)).isEqualTo("topic must not be empty");
    }

    @Test
    void lengthLimitIs256() {
        assertThat(TopicName.isValid("x".repeat(256))).isTrue();
        assertThat(TopicName.problem("x".repeat(257))).isEqualTo("topic must be at most 256 characters, was 257");
    }

    @Test
    void requireValidThrowsWithTheProblem() {
        assertThatThrownBy(() -> TopicName.requireValid("a b"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("found ' ' at index 1");
    }
}
