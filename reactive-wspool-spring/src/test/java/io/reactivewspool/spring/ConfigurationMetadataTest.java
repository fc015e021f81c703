package io.reactivewspool.spring;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/** IDEs complete wspool.* because the configuration processor wrote metadata for every property. */
class ConfigurationMetadataTest {

    @Test
    void metadataDescribesEveryDocumentedProperty() throws Exception {
        JsonNode metadata;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("spring-configuration-metadata.json on the class path").isNotNull();
            metadata = JsonMapper.shared().readTree(in);
        }
        List<String> names = new ArrayList<>();
        metadata.get("properties").forEach(p -> {
            names.add(p.get("name").asString());
            if (p.get("name").asString().startsWith("wspool.")) {
                assertThat(p.path("description").asString()).as("description of %s", p.get("name")).isNotBlank();
            }
        });
        assertThat(names).contains("wspool.server.path", "wspool.server.publish-topics", "wspool.server.presence-topics", "wspool.server.max-frame-size",
                "wspool.server.allowed-origins", "wspool.server.heartbeat-interval", "wspool.server.connection-timeout",
                "wspool.server.max-connections", "wspool.admin.token", "wspool.client.pools",
                "wspool.broker.redis.uri", "wspool.broker.redis.sentinel.master", "wspool.broker.redis.sentinel.nodes",
                "wspool.broker.redis.cluster.nodes", "wspool.history.size", "wspool.server.auth.jwt.jwks-uri",
                "wspool.server.auth.jwt.hmac-secret", "wspool.server.auth.jwt.clock-skew");
    }
}
