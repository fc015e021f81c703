package io.reactivewspool.spring.internal;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.MessageContext;
import io.reactivewspool.server.MessageHandler;
import io.reactivewspool.spring.WsEndpoint;
import io.reactivewspool.spring.WsMessageMapping;
import org.reactivestreams.Publisher;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;
import reactor.core.publisher.Mono;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Finds {@link WsMessageMapping} methods and {@link WsEndpoint} classes among the bean
 * definitions, without creating the beans: the hub registers one handler per mapped type when it
 * is built, and each handler looks its bean up once all singletons exist. Each method's signature
 * is checked here, at startup ({@link HandlerMethod}); the message's data binds with the
 * application's {@code JsonMapper} bean when there is one.
 */
public final class MessageMappings {

    /** One mapped method. */
    public record Mapping(String type, String beanName, Method method, HandlerMethod handler) {
    }

    /** One declared endpoint. */
    public record Endpoint(String path, Set<String> topics, boolean requireAuth, String beanName) {
    }

    private final ConfigurableListableBeanFactory beanFactory;
    private final Map<String, Mapping> mappings;
    private final List<Endpoint> endpoints;
    private final Map<String, Object> beans = new ConcurrentHashMap<>();

    public MessageMappings(ConfigurableListableBeanFactory beanFactory) {
        this.beanFactory = beanFactory;
        ObjectMapper mapper = beanFactory.getBeanProvider(JsonMapper.class).getIfAvailable(JsonMapper::shared);
        Map<String, Mapping> found = new LinkedHashMap<>();
        List<Endpoint> eps = new ArrayList<>();
        for (String name : beanFactory.getBeanDefinitionNames()) {
            Class<?> type = beanFactory.getType(name, false);
            if (type == null) {
                continue;
            }
            Class<?> user = ClassUtils.getUserClass(type);
            WsEndpoint endpoint = AnnotationUtils.findAnnotation(user, WsEndpoint.class);
            if (endpoint != null) {
                eps.add(new Endpoint(endpoint.path(), Set.of(endpoint.topics()), endpoint.requireAuth(), name));
            }
            Map<Method, WsMessageMapping> methods = MethodIntrospector.selectMethods(user,
                    (MethodIntrospector.MetadataLookup<WsMessageMapping>) m ->
                            AnnotatedElementUtils.findMergedAnnotation(m, WsMessageMapping.class));
            for (Map.Entry<Method, WsMessageMapping> e : methods.entrySet()) {
                String messageType = e.getValue().value();
                ReflectionUtils.makeAccessible(e.getKey());
                HandlerMethod handler = new HandlerMethod(messageType, e.getValue().replyType(), e.getKey(), mapper);
                Mapping previous = found.put(messageType, new Mapping(messageType, name, e.getKey(), handler));
                if (previous != null) {
                    throw new IllegalStateException("@WsMessageMapping(\"" + messageType + "\") is declared twice: on "
                            + previous.method() + " and on " + e.getKey() + "; a message type has one handler");
                }
            }
        }
        this.mappings = Map.copyOf(found);
        this.endpoints = List.copyOf(eps);
    }

    public Map<String, Mapping> mappings() {
        return mappings;
    }

    public List<Endpoint> endpoints() {
        return endpoints;
    }

    /** The hub handler that invokes {@code mapping}'s method. */
    public MessageHandler handler(Mapping mapping) {
        return context -> invoke(mapping, context);
    }

    /** Resolves every mapped bean; called once all singletons exist, so no bean is created on an event loop. */
    public void resolveBeans() {
        mappings.values().forEach(m -> beans.computeIfAbsent(m.beanName(), beanFactory::getBean));
    }

    private Publisher<WsMessage> invoke(Mapping mapping, MessageContext context) {
        Object bean = beans.get(mapping.beanName());
        if (bean == null) {
            return Mono.error(new IllegalStateException("handler bean '" + mapping.beanName() + "' is not ready yet"));
        }
        return mapping.handler().invoke(bean, context);
    }
}
