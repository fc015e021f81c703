package io.reactivewspool.spring;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.userdetails.MapReactiveUserDetailsService;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.web.server.SecurityWebFilterChain;

/**
 * Spring Security for the tests' applications ({@code @Import} it): every path open, HTTP Basic
 * naming the user when a request carries it, CSRF off, and two users: {@code carol} (ROLE_USER,
 * password {@code carol-pw}) and {@code ops} (ROLE_WSPOOL_ADMIN, password {@code ops-pw}).
 */
@Configuration(proxyBeanMethods = false)
class BasicAuthSecurity {

    @Bean
    SecurityWebFilterChain chain(ServerHttpSecurity http) {
        return http.authorizeExchange(e -> e.anyExchange().permitAll())
                .httpBasic(Customizer.withDefaults())
                .csrf(ServerHttpSecurity.CsrfSpec::disable)
                .build();
    }

    @Bean
    MapReactiveUserDetailsService users() {
        return new MapReactiveUserDetailsService(
                User.withUsername("carol").password("{noop}carol-pw").roles("USER").build(),
                User.withUsername("ops").password("{noop}ops-pw").roles("WSPOOL_ADMIN").build());
    }
}
