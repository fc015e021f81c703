package io.reactivewspool.bench.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The {@code spring} server of {@code benchmarks/fanout.sh}: a WebFlux application on Boot's default
 * Reactor Netty server with the reactive-wspool starter and nothing else, configured only by
 * {@code application.properties} and the script's {@code --name=value} overrides.
 *
 * <pre>
 * java -jar benchmarks/spring-server/target/spring-server.jar --server.port=8080 --wspool.server.queue-size=1024
 * </pre>
 */
@SpringBootApplication
public class SpringFanoutServer {

    public static void main(String[] args) {
        SpringApplication.run(SpringFanoutServer.class, args);
    }
}
