package io.reactivewspool.samples.chat;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * The reactive-wspool demo: a chat with rooms, direct notifications and an operator dashboard,
 * on the Spring Boot starter with the in-process broker (or Redis, with
 * {@code --wspool.broker.redis.uri=redis://127.0.0.1:6379}).
 *
 * <pre>{@code
 * java -jar samples/chat/target/chat.jar --server.port=8080 --wspool.admin.token=SECRET --chat.users.alice=ALICE_TOKEN
 * }</pre>
 */
@SpringBootApplication
@EnableConfigurationProperties(ChatProperties.class)
public class ChatApplication {

    public static void main(String[] args) {
        SpringApplication.run(ChatApplication.class, args);
    }
}
