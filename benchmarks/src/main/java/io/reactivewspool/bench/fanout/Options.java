package io.reactivewspool.bench.fanout;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Command-line options of the form {@code --name=value} (or a bare {@code --flag} meaning {@code true}).
 * Every option read is remembered, so that {@link #rejectUnknown()} can refuse a misspelt one instead of
 * silently running a different benchmark.
 */
final class Options {

    private final Map<String, String> values = new LinkedHashMap<>();
    private final Set<String> read = new TreeSet<>();

    Options(String[] args, int from) {
        for (int i = from; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("expected --name=value, was '" + arg + "'");
            }
            int eq = arg.indexOf('=');
            if (eq < 0) {
                values.put(arg.substring(2), "true");
            } else {
                values.put(arg.substring(2, eq), arg.substring(eq + 1));
            }
        }
    }

    String string(String name, String defaultValue) {
        read.add(name);
        return values.getOrDefault(name, defaultValue);
    }

    int integer(String name, int defaultValue) {
        String v = string(name, null);
        return v == null ? defaultValue : Integer.parseInt(v.replace("_", ""));
    }

    long longValue(String name, long defaultValue) {
        String v = string(name, null);
        return v == null ? defaultValue : Long.parseLong(v.replace("_", ""));
    }

    double decimal(String name, double defaultValue) {
        String v = string(name, null);
        return v == null ? defaultValue : Double.parseDouble(v);
    }

    boolean flag(String name) {
        return Boolean.parseBoolean(string(name, "false"));
    }

    /** Durations as {@code 500ms}, {@code 3s}, {@code 2m}, or a plain number of seconds. */
    Duration duration(String name, Duration defaultValue) {
        String v = string(name, null);
        if (v == null) {
            return defaultValue;
        }
        if (v.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
        }
        if (v.endsWith("s")) {
            return Duration.ofMillis(Math.round(Double.parseDouble(v.substring(0, v.length() - 1)) * 1000));
        }
        if (v.endsWith("m")) {
            return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)) * 60);
        }
        return Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
    }

    void rejectUnknown() {
        Set<String> unknown = new TreeSet<>(values.keySet());
        unknown.removeAll(read);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown option(s) " + unknown + "; known: " + read);
        }
    }
}
