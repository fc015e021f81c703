package io.reactivewspool.bench.fanout;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/**
 * The memory floor of an idle Reactor Netty WebSocket connection: a server that answers each
 * {@code subscribe} with {@code subscribed} and keeps no state of its own, so that the load
 * generator's idle scenario measures what Reactor Netty alone holds per connection. Not a fan-out
 * server; only for the idle comparison in docs/BENCHMARKS-FANOUT.md.
 *
 * <pre>{@code
 * java -Xmx4g -cp benchmarks/target/benchmarks.jar io.reactivewspool.bench.fanout.ReactorNettyFloor 18500
 * java -jar benchmarks/target/benchmarks.jar loadgen --server=floor --scenario=idle --port=18500 \
 *     --server-pid=PID --subscribers=19500 --idle --idle-wait=5s --source-addresses=4
 * }</pre>
 */
public final class ReactorNettyFloor {

    private static final Pattern ID = Pattern.compile("\"id\":\"([^\"]*)\"");
    private static final Pattern TOPIC = Pattern.compile("\"topic\":\"([^\"]*)\"");

    private ReactorNettyFloor() {
    }

    public static void main(String[] args) throws InterruptedException {
        int port = Integer.parseInt(args[0]);
        HttpServer.create().host("127.0.0.1").port(port).runOn(LoopResources.create("floor", 1, 1, true))
                .handle((req, res) -> res.sendWebsocket((in, out) -> out.sendString(
                        in.receive().asString().map(ReactorNettyFloor::subscribed))))
                .bindNow();
        Thread.currentThread().join();
    }

    private static String subscribed(String request) {
        Matcher id = ID.matcher(request);
        Matcher topic = TOPIC.matcher(request);
        return "{\"type\":\"subscribed\",\"topic\":\"" + (topic.find() ? topic.group(1) : "")
                + "\",\"id\":\"" + (id.find() ? id.group(1) : "") + "\"}";
    }
}
