package io.reactivewspool.spring.internal;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.lang.reflect.Type;
import java.security.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

import io.reactivewspool.message.WsMessage;
import io.reactivewspool.server.MessageContext;
import io.reactivewspool.server.WsConnectionView;
import io.reactivewspool.server.WsHub;
import io.reactivewspool.spring.WsMessageMapping;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * One {@link WsMessageMapping} method, checked once at startup: how each parameter is resolved
 * from a {@link MessageContext}, and how the return value becomes replies. A signature it cannot
 * serve is refused with an error that names the method and the parameter.
 */
public final class HandlerMethod {

    private static final String ALLOWED = "WsMessage, JsonNode, MessageContext, WsConnectionView, WsHub, "
            + "java.security.Principal, or one class of the application's own that the message's data is bound to";

    /** Packages whose types are the library's or Spring's, never data a client sends. */
    private static final List<String> LIBRARY_PACKAGES = List.of("io.reactivewspool.server", "io.reactivewspool.message",
            "io.reactivewspool.client", "io.reactivewspool.broker", "io.reactivewspool.history", "io.reactivewspool.internal",
            "org.springframework", "reactor");

    private final String type;
    private final String replyType;
    private final Method method;
    private final List<Function<MessageContext, Object>> arguments;
    private final ObjectMapper mapper;

    HandlerMethod(String type, String replyType, Method method, ObjectMapper mapper) {
        this.type = type;
        this.replyType = replyType.isEmpty() ? type : replyType;
        this.method = method;
        this.mapper = mapper;
        this.arguments = resolvers(method, mapper);
    }

    Method method() {
        return method;
    }

    /** Calls the method on {@code bean}; the publisher's elements are the replies. */
    Publisher<WsMessage> invoke(Object bean, MessageContext context) {
        Object[] args = new Object[arguments.size()];
        try {
            for (int i = 0; i < args.length; i++) {
                args[i] = arguments.get(i).apply(context);
            }
        } catch (IllegalArgumentException e) {
            return Mono.error(e);
        }
        Object result;
        try {
            result = method.invoke(bean, args);
        } catch (InvocationTargetException e) {
            return Mono.error(e.getCause());
        } catch (IllegalAccessException e) {
            return Mono.error(e);
        }
        return replies(result);
    }

    private Publisher<WsMessage> replies(Object result) {
        if (result == null) {
            return Mono.empty();
        }
        if (result instanceof Publisher<?> p) {
            return Flux.from(p).map(this::reply);
        }
        if (result instanceof CompletionStage<?> stage) {
            return Mono.fromCompletionStage(stage).map(this::reply);
        }
        return Mono.just(reply(result));
    }

    private WsMessage reply(Object value) {
        if (value instanceof WsMessage m) {
            return m;
        }
        JsonNode data = value instanceof JsonNode node ? node : mapper.valueToTree(value);
        return WsMessage.of(replyType, null, data);
    }

    private static List<Function<MessageContext, Object>> resolvers(Method method, ObjectMapper mapper) {
        List<Function<MessageContext, Object>> out = new ArrayList<>();
        Parameter[] params = method.getParameters();
        Type[] generic = method.getGenericParameterTypes();
        Parameter dataParameter = null;
        for (int i = 0; i < params.length; i++) {
            Parameter p = params[i];
            Class<?> t = p.getType();
            if (t == WsMessage.class) {
                out.add(MessageContext::message);
            } else if (t == MessageContext.class) {
                out.add(c -> c);
            } else if (t == WsConnectionView.class) {
                out.add(MessageContext::connection);
            } else if (t == WsHub.class) {
                out.add(MessageContext::hub);
            } else if (t == JsonNode.class) {
                out.add(c -> c.message().data());
            } else if (Principal.class.isAssignableFrom(t)) {
                out.add(c -> {
                    Principal principal = c.connection().handshake().principal();
                    return t.isInstance(principal) ? principal : null;
                });
            } else {
                String problem = dataTypeProblem(t);
                if (problem != null) {
                    throw refused(method, i, p, problem + "; allowed: " + ALLOWED);
                }
                if (dataParameter != null) {
                    throw refused(method, i, p, "is a second data parameter beside '" + dataParameter.getName() + "' ("
                            + dataParameter.getType().getSimpleName() + "); the message's data binds to one parameter");
                }
                dataParameter = p;
                out.add(binder(method, mapper.constructType(generic[i]), mapper));
            }
        }
        return List.copyOf(out);
    }

    private static Function<MessageContext, Object> binder(Method method, JavaType target, ObjectMapper mapper) {
        String typeName = target.getRawClass().getSimpleName();
        return c -> {
            JsonNode data = c.message().data();
            if (data == null || data.isMissingNode() || data.isNull()) {
                return null;
            }
            try {
                return mapper.treeToValue(data, target);
            } catch (JacksonException e) {
                // The client's own mistake: the dispatcher shows IllegalArgumentException's words to it.
                String at = path(e);
                throw new IllegalArgumentException("data of '" + c.message().type() + "' does not fit " + typeName
                        + (at.isEmpty() ? "" : " at " + at) + ": " + e.getOriginalMessage(), e);
            }
        };
    }

    /** Where in the data binding failed, as a client would write it: {@code items[2].quantity}. */
    private static String path(JacksonException e) {
        StringBuilder b = new StringBuilder();
        for (JacksonException.Reference r : e.getPath()) {
            if (r.getPropertyName() != null) {
                b.append(b.length() == 0 ? "" : ".").append(r.getPropertyName());
            } else if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            }
        }
        return b.toString();
    }

    private static String dataTypeProblem(Class<?> t) {
        if (t.isPrimitive()) {
            return "is a primitive " + t.getName() + ", which data cannot be absent from; use its wrapper or a class";
        }
        if (Publisher.class.isAssignableFrom(t) || CompletionStage.class.isAssignableFrom(t) || t == Optional.class) {
            return "is a " + t.getSimpleName() + "; parameters are resolved values, not asynchronous ones";
        }
        if (JsonNode.class.isAssignableFrom(t)) {
            return "is a " + t.getSimpleName() + "; take the data as JsonNode";
        }
        String pkg = t.getPackageName();
        for (String library : LIBRARY_PACKAGES) {
            if (pkg.equals(library) || pkg.startsWith(library + ".")) {
                return "is a " + t.getName() + ", which a handler cannot be given";
            }
        }
        return null;
    }

    private static IllegalStateException refused(Method method, int index, Parameter p, String problem) {
        return new IllegalStateException("@WsMessageMapping method " + describe(method) + ": parameter " + index + " '"
                + p.getName() + "' (" + p.getParameterizedType().getTypeName() + ") " + problem);
    }

    static String describe(Method method) {
        StringBuilder b = new StringBuilder(method.getDeclaringClass().getName()).append('.').append(method.getName()).append('(');
        Class<?>[] types = method.getParameterTypes();
        for (int i = 0; i < types.length; i++) {
            b.append(i == 0 ? "" : ", ").append(types[i].getSimpleName());
        }
        return b.append(')').toString();
    }

    @Override
    public String toString() {
        return "HandlerMethod{" + type + " -> " + describe(method) + "}";
    }
}
