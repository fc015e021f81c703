package io.reactivewspool.spring.internal;

import java.util.Map;

import io.reactivewspool.client.WsClientPool;
import io.reactivewspool.spring.WsPoolProperties;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Registers one {@link WsClientPool} bean per {@code wspool.client.pools.NAME}, named
 * {@code NAMEWsClientPool}, unless the application already defines a bean of that name. Each
 * pool is disposed (every connection closed with 1000) when the context closes.
 */
public final class ClientPoolRegistrar implements ImportBeanDefinitionRegistrar, EnvironmentAware {

    private Environment environment;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
        Map<String, WsPoolProperties.Pool> pools = Binder.get(environment)
                .bind("wspool.client.pools", Bindable.mapOf(String.class, WsPoolProperties.Pool.class))
                .orElse(Map.of());
        pools.forEach((name, pool) -> {
            String beanName = name + "WsClientPool";
            if (registry.containsBeanDefinition(beanName)) {
                return;
            }
            RootBeanDefinition definition = new RootBeanDefinition(WsClientPool.class,
                    () -> WsClientPool.create(PropertyMapper.poolOptions(name, pool)));
            definition.setDestroyMethodName("disposeLater"); // a Mono: Spring subscribes and waits for it
            registry.registerBeanDefinition(beanName, definition);
        });
    }
}
