package io.reactivewspool.spring;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import io.reactivewspool.broker.Broker;
import io.reactivewspool.history.TopicHistory;
import io.reactivewspool.server.Authenticator;
import io.reactivewspool.server.ConnectionListener;
import io.reactivewspool.server.ShutdownSpec;
import io.reactivewspool.server.TopicPolicy;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.server.WsHubOptions;
import io.reactivewspool.spring.internal.ClientPoolRegistrar;
import io.reactivewspool.spring.internal.HubLifecycle;
import io.reactivewspool.spring.internal.MessageMappings;
import io.reactivewspool.spring.internal.PropertyMapper;
import io.reactivewspool.spring.internal.ServerEventLoops;
import io.reactivewspool.spring.internal.ServerUpgradeStrategy;
import io.reactivewspool.spring.internal.SpringAdminRoutes;
import io.reactivewspool.spring.internal.SpringSecurityAuthenticator;
import io.reactivewspool.spring.internal.WsUpgradeHandler;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.reactive.handler.SimpleUrlHandlerMapping;
import org.springframework.web.reactive.socket.server.WebSocketService;
import org.springframework.web.reactive.socket.server.support.HandshakeWebSocketService;

/**
 * Auto-configuration of the hub on a WebFlux application: the {@link WsHub} built from
 * {@link WsPoolProperties} and from the application's {@link Authenticator}, {@link TopicPolicy},
 * {@link Broker}, {@link TopicHistory} and {@link ConnectionListener} beans; the WebSocket endpoint at
 * {@code wspool.server.path} (and one per {@link WsEndpoint}); the admin API; the hub's lifecycle
 * (closed with 1001 before the web server stops); and one {@code WsClientPool} bean per
 * {@code wspool.client.pools.NAME}. Every bean backs off when the application defines its own.
 *
 * <pre>{@code
 * // application.properties
 * wspool.server.publish-topics=pub.*
 * wspool.admin.token=${ADMIN_TOKEN}
 * }</pre>
 */
@AutoConfiguration(afterName = "io.reactivewspool.spring.WsBrokerAutoConfiguration")
@ConditionalOnClass({WsHub.class, WebSocketService.class})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@EnableConfigurationProperties(WsPoolProperties.class)
@Import(ClientPoolRegistrar.class)
public class WsPoolAutoConfiguration {

    private static final String SECURITY_FILTER_CHAIN = "org.springframework.security.web.server.SecurityWebFilterChain";
    private static final boolean SPRING_SECURITY = ClassUtils.isPresent(
            "org.springframework.security.core.Authentication", WsPoolAutoConfiguration.class.getClassLoader());

    @Bean
    @ConditionalOnMissingBean
    MessageMappings wsMessageMappings(ConfigurableListableBeanFactory beanFactory) {
        return new MessageMappings(beanFactory);
    }

    @Bean
    @ConditionalOnMissingBean
    WsHubOptions wsHubOptions(WsPoolProperties properties, MessageMappings mappings,
                              ObjectProvider<Authenticator> authenticator, ObjectProvider<TopicPolicy> topicPolicy,
                              ObjectProvider<Broker> broker, ObjectProvider<TopicHistory> history,
                              ObjectProvider<ConnectionListener> listeners) {
        WsHubOptions.Builder builder = PropertyMapper.hubOptions(properties.getServer());
        Authenticator configured = authenticator.getIfUnique();
        // Without an application Authenticator, connections are anonymous unless Spring Security
        // authenticated the upgrade request (WsUpgradeHandler names the user then).
        if (configured != null) {
            builder.authenticator(SPRING_SECURITY ? new SpringSecurityAuthenticator(configured) : configured);
        }
        topicPolicy.ifUnique(builder::topicPolicy);
        broker.ifUnique(builder::broker);
        history.ifUnique(builder::history);
        listeners.orderedStream().forEach(builder::connectionListener);
        mappings.mappings().values().forEach(m -> builder.handler(m.type(), mappings.handler(m)));
        return builder.build();
    }

    @Bean
    @ConditionalOnMissingBean
    WsHub wsHub(WsHubOptions options) {
        return WsHub.create(options);
    }

    @Bean
    @ConditionalOnMissingBean
    HubLifecycle wsHubLifecycle(WsHub hub, MessageMappings mappings, WsPoolProperties properties) {
        Duration drain = properties.getServer().getCloseDrainPeriod();
        return new HubLifecycle(hub, mappings, drain == null ? ShutdownSpec.DEFAULT_DRAIN_PERIOD : drain);
    }

    @Bean
    @ConditionalOnMissingBean(name = "wsPoolWebSocketService")
    WebSocketService wsPoolWebSocketService(WsHubOptions options, WsPoolProperties properties) {
        // Chosen per request: the same application may run on Reactor Netty, Jetty or Tomcat.
        return new HandshakeWebSocketService(new ServerUpgradeStrategy(options.limits().maxFrameBytes(),
                properties.getServer().isCompression()));
    }

    @Bean
    @ConditionalOnMissingBean(name = "wsPoolHandlerMapping")
    @ConditionalOnBooleanProperty(name = "wspool.server.enabled", matchIfMissing = true)
    HandlerMapping wsPoolHandlerMapping(WsHub hub, WsPoolProperties properties, MessageMappings mappings,
                                        WebSocketService wsPoolWebSocketService) {
        Map<String, Object> urls = new LinkedHashMap<>();
        urls.put(properties.getServer().getPath(), new WsUpgradeHandler(hub, wsPoolWebSocketService, false, Set.of()));
        for (MessageMappings.Endpoint e : mappings.endpoints()) {
            Object previous = urls.put(e.path(), new WsUpgradeHandler(hub, wsPoolWebSocketService, e.requireAuth(),
                    new LinkedHashSet<>(e.topics())));
            if (previous != null) {
                throw new IllegalStateException("@WsEndpoint on bean '" + e.beanName() + "' uses path " + e.path()
                        + ", which is already mapped; give each endpoint its own path");
            }
        }
        // Before annotated controllers and static resources.
        return new SimpleUrlHandlerMapping(urls, -1);
    }

    /** WebFlux's Reactor Netty server on one event loop per core; see {@link ServerEventLoops}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"org.springframework.http.client.ReactorResourceFactory",
            "reactor.netty.resources.LoopResources"})
    static class EventLoopConfiguration {
        /** Static: a bean post-processor must exist before the beans it processes. */
        @Bean
        @ConditionalOnMissingBean
        static ServerEventLoops wsPoolServerEventLoops(Environment environment) {
            return new ServerEventLoops(Binder.get(environment).bind("wspool.server.event-loops", Integer.class).orElse(null));
        }
    }

    @Bean
    @ConditionalOnMissingBean(name = "wsPoolAdminRoutes")
    @ConditionalOnBooleanProperty(name = "wspool.admin.enabled", matchIfMissing = true)
    RouterFunction<ServerResponse> wsPoolAdminRoutes(WsHub hub, WsPoolProperties properties,
                                                     ConfigurableListableBeanFactory beanFactory) {
        return SpringAdminRoutes.routes(hub, properties.getAdmin(), springSecurityActive(beanFactory));
    }

    /** Spring Security guards the admin API when it is on the class path and a security filter chain is configured. */
    private static boolean springSecurityActive(ConfigurableListableBeanFactory beanFactory) {
        return SPRING_SECURITY && ClassUtils.isPresent(SECURITY_FILTER_CHAIN, WsPoolAutoConfiguration.class.getClassLoader())
                && beanFactory.getBeanNamesForType(ClassUtils.resolveClassName(SECURITY_FILTER_CHAIN,
                WsPoolAutoConfiguration.class.getClassLoader()), true, false).length > 0;
    }
}
