package io.reactivewspool.bench.chaos;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * Command line of the chaos campaign:
 * {@code java -jar benchmarks.jar chaos [DURATION] [SEED] --server-jar=PATH [--dir=PATH]}.
 * DURATION is {@code 90}, {@code 90s}, {@code 10m} or {@code 1h} (default 60 s); SEED a whole number
 * (default: the clock). Exits with the campaign's verdict (0 passed, 1 failed, 2 bad command line).
 *
 * <pre>{@code
 * java -jar benchmarks/target/benchmarks.jar chaos 30m 7 --server-jar=samples/standalone-server/target/standalone-server.jar
 * }</pre>
 */
public final class ChaosMain {

    private ChaosMain() {
    }

    public static void main(String[] args) throws Exception {
        Duration duration = Duration.ofSeconds(60);
        long seed = System.currentTimeMillis() % 1_000_000;
        Path jar = Path.of("samples/standalone-server/target/standalone-server.jar");
        Path dir = null;
        int positional = 0;
        for (String a : args) {
            if (a.startsWith("--server-jar=")) {
                jar = Path.of(a.substring("--server-jar=".length()));
            } else if (a.startsWith("--dir=")) {
                dir = Path.of(a.substring("--dir=".length()));
            } else if (a.startsWith("--")) {
                System.err.println("chaos: unknown flag " + a + " (flags: --server-jar=PATH --dir=PATH)");
                System.exit(2);
            } else if (positional++ == 0) {
                duration = parseDuration(a);
            } else {
                try {
                    seed = Long.parseLong(a);
                } catch (NumberFormatException e) {
                    System.err.println("chaos: SEED must be a whole number, was '" + a + "'");
                    System.exit(2);
                }
            }
        }
        if (duration == null || duration.toSeconds() < 30) {
            System.err.println("chaos: DURATION must look like 60, 60s, 10m or 1h and be at least 30 s");
            System.exit(2);
        }
        if (!Files.isRegularFile(jar)) {
            System.err.println("chaos: the standalone server jar " + jar + " does not exist: build it with "
                    + "`mvn -pl samples/standalone-server -am -DskipTests package`");
            System.exit(2);
        }
        if (dir == null) {
            dir = Path.of("benchmarks/target/chaos-" + seed);
        }
        int exit = new ChaosCampaign(new ChaosCampaign.Config(duration, seed, jar, dir)).run();
        System.exit(exit);
    }

    /** {@code 90}, {@code 90s}, {@code 10m}, {@code 1h}; {@code null} when it is none of these. */
    static Duration parseDuration(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        try {
            if (v.endsWith("h")) {
                return Duration.ofHours(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            if (v.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            if (v.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            return Duration.ofSeconds(Long.parseLong(v));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
