package io.reactivewspool.samples.chat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

import io.reactivewspool.server.Authenticator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.publisher.Mono;

/**
 * Who a chat connection is: a configured user when it presents that user's token, otherwise a
 * guest with the name it picked ({@code ?name=}), which may not be a configured user's name.
 */
@Configuration(proxyBeanMethods = false)
class ChatAuthentication {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,32}");

    @Bean
    Authenticator chatAuthenticator(ChatProperties properties) {
        Map<String, String> userByToken = new LinkedHashMap<>();
        properties.getUsers().forEach((user, token) -> userByToken.put(token, user));
        Authenticator tokens = Authenticator.tokens(userByToken);
        return (token, handshake) -> {
            if (token != null) {
                return tokens.authenticate(token, handshake);
            }
            String name = handshake.queryParam("name");
            if (name == null || !NAME.matcher(name).matches() || properties.getUsers().containsKey(name)) {
                return Mono.empty();
            }
            return Mono.just(name);
        };
    }
}
