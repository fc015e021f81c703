package io.reactivewspool.samples.chat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.ConnectionInfo;
import io.reactivewspool.server.ConnectionListener;
import io.reactivewspool.server.WsConnectionView;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.spring.WsMessageMapping;
import org.springframework.context.annotation.Bean;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * The chat's message types, on top of the hub's standard protocol:
 * <ul>
 * <li>{@code join {topic: "chat.ROOM"}}: subscribe, tell the room ({@code member_joined}), answer {@code joined} with the members;</li>
 * <li>{@code leave {topic}}: unsubscribe and tell the room ({@code member_left});</li>
 * <li>{@code chat {topic, data: {text}}}: to everyone in the room as {@code chat {from, text}};</li>
 * <li>{@code direct {data: {to, text}}}: to every connection of user {@code to} as {@code notification}.</li>
 * </ul>
 */
@Component
class ChatHandlers {

    static final String ROOM_PREFIX = "chat.";
    private static final int MAX_TEXT = 2000;

    @WsMessageMapping("join")
    Mono<WsMessage> join(WsMessage message, WsConnectionView me, WsHub hub) {
        String room = requireRoom(message);
        if (!hub.subscribe(me.id(), room)) {
            return Mono.error(new IllegalArgumentException("could not join " + room + ": the room or your connection is at its limit"));
        }
        List<String> members = members(hub, room);
        hub.broadcast(room, "member_joined", Map.of("user", me.userId(), "members", members), Set.of(me.id()));
        return Mono.just(WsMessage.builder("joined").topic(room).data(Map.of("members", members)).id(message.id()).build());
    }

    @WsMessageMapping("leave")
    Mono<WsMessage> leave(WsMessage message, WsConnectionView me, WsHub hub) {
        String room = requireRoom(message);
        hub.unsubscribe(me.id(), room);
        hub.broadcast(room, "member_left", Map.of("user", me.userId(), "members", members(hub, room)));
        return Mono.just(WsMessage.unsubscribed(room, message.id()));
    }

    @WsMessageMapping("chat")
    Mono<Void> chat(WsMessage message, WsConnectionView me, WsHub hub) {
        String room = requireRoom(message);
        if (!me.topics().contains(room)) {
            return Mono.error(new IllegalArgumentException("join " + room + " before writing to it"));
        }
        String text = text(message.data());
        hub.broadcast(room, "chat", Map.of("from", me.userId(), "text", text));
        return Mono.empty();
    }

    @WsMessageMapping("direct")
    Mono<WsMessage> direct(WsMessage message, WsConnectionView me, WsHub hub) {
        JsonNode data = message.data();
        String to = data == null ? "" : data.path("to").asString("");
        if (to.isEmpty()) {
            return Mono.error(new IllegalArgumentException("direct needs data.to, the user to notify"));
        }
        int delivered = hub.sendToUser(to, "notification", Map.of("from", me.userId(), "text", text(data)));
        return Mono.just(WsMessage.builder("direct_sent").data(Map.of("to", to, "delivered", delivered)).id(message.id()).build());
    }

    private static String requireRoom(WsMessage message) {
        String topic = message.topic();
        if (topic == null || !topic.startsWith(ROOM_PREFIX) || topic.length() == ROOM_PREFIX.length()) {
            throw new IllegalArgumentException("topic must be a room such as \"chat.lobby\"");
        }
        return topic;
    }

    private static String text(JsonNode data) {
        String text = data == null ? "" : data.path("text").asString("");
        if (text.isBlank()) {
            throw new IllegalArgumentException("data.text must be a non-empty string");
        }
        if (text.length() > MAX_TEXT) {
            throw new IllegalArgumentException("data.text must be at most " + MAX_TEXT + " characters");
        }
        return text;
    }

    /** Tells each room a closing connection was in that its user left. */
    @Bean
    static ConnectionListener chatMembership() {
        return new ConnectionListener() {
            @Override
            public void onClose(WsConnectionView connection, WsHub hub) {
                for (String room : connection.topics()) {
                    if (room.startsWith(ROOM_PREFIX)) {
                        hub.broadcast(room, "member_left", Map.of("user", connection.userId(),
                                "members", members(hub, room, connection.id())));
                    }
                }
            }
        };
    }

    static List<String> members(WsHub hub, String room) {
        return members(hub, room, null);
    }

    private static List<String> members(WsHub hub, String room, String leavingConnectionId) {
        TreeSet<String> names = new TreeSet<>();
        for (ConnectionInfo c : hub.admin().connections(null, room)) {
            if (c.userId() != null && !c.connectionId().equals(leavingConnectionId)) {
                names.add(c.userId());
            }
        }
        return List.copyOf(names);
    }
}
