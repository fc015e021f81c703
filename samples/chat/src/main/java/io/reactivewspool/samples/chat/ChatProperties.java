package io.reactivewspool.samples.chat;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code chat.users.NAME=TOKEN}: users who sign in with a token. Everyone else picks a guest name.
 */
@ConfigurationProperties(prefix = "chat")
public class ChatProperties {

    /** Token of each configured user, by user name. */
    private Map<String, String> users = new LinkedHashMap<>();

    public Map<String, String> getUsers() {
        return users;
    }

    public void setUsers(Map<String, String> users) {
        this.users = users;
    }
}
