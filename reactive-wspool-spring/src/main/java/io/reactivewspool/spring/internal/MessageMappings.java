package io.reactivewspool.spring.internal;

import java.lang.reflect.InvocationTargetException;
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
import io.reactivewspool.server.WsConnectionView;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.spring.WsEndpoint;
import io.reactivewspool.spring.WsMessageMapping;
import org.reactivestreams.Publisher;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

/**
 * Finds {@link WsMessageMapping} methods and {@link WsEndpoint} classes among the bean
 * definitions, without creating the beans: the hub registers one handler per mapped type when it
 * is built, and each handler looks its bean up once all singletons exist.
 */
public final class MessageMappings {

    /** One mapped method. */
    public record Mapping(String type, String beanName, Method method) {
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
                Mapping previous = found.put(messageType, new Mapping(messageType, name, e.getKey()));
                if (previous != null) {
                    throw new IllegalStateException("@WsMessageMapping(\"" + messageType + "\") is declared twice: on "
                            + previous.method() + " and on " + e.getKey() + "; a message type has one handler");
                }
                ReflectionUtils.makeAccessible(e.getKey());
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
        Method method = mapping.method();
        Class<?>[] params = method.getParameterTypes();
        Object[] args = new Object[params.length];
        for (int i = 0; i < params.length; i++) {
            args[i] = argument(params[i], context, method);
        }
        Object result;
        try {
            result = method.invoke(bean, args);
        } catch (InvocationTargetException e) {
            return Mono.error(e.getCause());
        } catch (IllegalAccessException e) {
            return Mono.error(e);
        }
        return toPublisher(result);
    }

    private static Object argument(Class<?> type, MessageContext context, Method method) {
        if (type == WsMessage.class) {
            return context.message();
        }
        if (type == WsConnectionView.class) {
            return context.connection();
        }
        if (type == WsHub.class) {
            return context.hub();
        }
        if (type == MessageContext.class) {
            return context;
        }
        if (JsonNode.class.isAssignableFrom(type)) {
            return context.message().data();
        }
        throw new IllegalStateException("@WsMessageMapping method " + method + " has a parameter of type "
                + type.getName() + "; allowed: WsMessage, WsConnectionView, WsHub, MessageContext, JsonNode");
    }

    @SuppressWarnings("unchecked")
    private static Publisher<WsMessage> toPublisher(Object result) {
        if (result == null) {
            return Mono.empty();
        }
        if (result instanceof WsMessage m) {
            return Mono.just(m);
        }
        if (result instanceof Publisher<?> p) {
            return Flux.from(p).filter(WsMessage.class::isInstance).map(WsMessage.class::cast);
        }
        return Mono.error(new IllegalStateException("a @WsMessageMapping method returned " + result.getClass().getName()
                + "; return WsMessage, a Publisher of WsMessage, or nothing"));
    }
}
