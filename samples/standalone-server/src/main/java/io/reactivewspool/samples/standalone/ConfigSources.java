package io.reactivewspool.samples.standalone;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where each setting of the standalone server comes from: command-line flags first, then
 * {@code WSPOOL_*} environment variables, then an optional properties file ({@code --config=FILE} or
 * {@code WSPOOL_CONFIG}). One key has the same name in all three: {@code --max-connections},
 * {@code WSPOOL_MAX_CONNECTIONS}, {@code max-connections=} in the file.
 *
 * <p>A secret key also has a {@code -file} form ({@code --admin-token-file=/run/secrets/admin},
 * {@code WSPOOL_ADMIN_TOKEN_FILE}) whose value is read from that file, so that no secret needs to be
 * on the command line, where {@code ps} shows it.
 */
final class ConfigSources {

    /** Thrown for a bad setting; the message names its source and key. */
    static final class BadSetting extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadSetting(String message) {
            super(message);
        }
    }

    /** One setting's text and where it came from, named as a user would look for it. */
    record Value(String key, String text, String source) {

        /** How the source spells the key: {@code --port}, {@code WSPOOL_PORT (environment)}, … */
        String where() {
            return source;
        }

        BadSetting bad(String problem) {
            return new BadSetting(where() + " " + problem);
        }
    }

    static final String ENV_PREFIX = "WSPOOL_";

    private final Map<String, List<Value>> flags;
    private final Map<String, Value> env;
    private final Map<String, Value> file;
    private final Set<String> secrets;
    private final List<String> warnings = new ArrayList<>();
    private final boolean help;

    private ConfigSources(Map<String, List<Value>> flags, Map<String, Value> env, Map<String, Value> file,
                          Set<String> secrets, boolean help, List<String> warnings) {
        this.flags = flags;
        this.env = env;
        this.file = file;
        this.secrets = secrets;
        this.help = help;
        this.warnings.addAll(warnings);
    }

    /**
     * Reads every source. {@code known} are the keys the server understands, {@code secrets} those
     * of them that may also be given as {@code KEY-file}; an unknown flag or file key is an error, an
     * unknown {@code WSPOOL_*} variable a warning (other tools share the prefix).
     */
    static ConfigSources read(String[] args, Map<String, String> environment, Set<String> known, Set<String> secrets) {
        Set<String> accepted = new TreeSet<>(known);
        for (String s : secrets) {
            accepted.add(s + "-file");
        }
        accepted.add("config");
        List<String> warnings = new ArrayList<>();

        Map<String, List<Value>> flags = new LinkedHashMap<>();
        boolean help = false;
        for (String arg : args) {
            if (arg.equals("--help") || arg.equals("-h")) {
                help = true;
                continue;
            }
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new BadSetting("unknown argument '" + arg + "': flags look like --name=value");
            }
            String name = arg.substring(2, arg.indexOf('='));
            if (!accepted.contains(name)) {
                throw new BadSetting("unknown flag --" + name + " (see --help)");
            }
            if (secrets.contains(name)) {
                warnings.add("--" + name + " is on the command line, where ps shows it; use "
                        + envName(name) + " or --" + name + "-file instead");
            }
            flags.computeIfAbsent(name, k -> new ArrayList<>()).add(new Value(name, arg.substring(arg.indexOf('=') + 1), "--" + name));
        }

        Map<String, Value> env = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : environment.entrySet()) {
            if (!e.getKey().startsWith(ENV_PREFIX)) {
                continue;
            }
            String key = e.getKey().substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '-');
            if (!accepted.contains(key)) {
                warnings.add(e.getKey() + " is not a setting of this server; ignored");
                continue;
            }
            env.put(key, new Value(key, e.getValue(), e.getKey() + " (environment)"));
        }

        Map<String, Value> file = new LinkedHashMap<>();
        Value config = flags.containsKey("config") ? flags.get("config").get(flags.get("config").size() - 1) : env.get("config");
        if (config != null) {
            Path path = Path.of(config.text());
            Properties props = new Properties();
            try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
                props.load(r);
            } catch (IOException e) {
                throw config.bad("names a file that cannot be read: " + path + " (" + e.getMessage() + ")");
            }
            for (String key : new TreeSet<>(props.stringPropertyNames())) {
                if (!accepted.contains(key) || key.equals("config")) {
                    throw new BadSetting("unknown key '" + key + "' in config file " + path + " (keys are the flag names without --)");
                }
                file.put(key, new Value(key, props.getProperty(key).trim(), key + " (config file " + path + ")"));
            }
        }
        return new ConfigSources(flags, env, file, secrets, help, warnings);
    }

    boolean help() {
        return help;
    }

    /** Lines to log once at startup: secrets on the command line, unknown variables. */
    List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** The value with the highest precedence, or {@code null}. A secret's {@code -file} form is read here. */
    Value get(String key) {
        List<Value> all = all(key);
        return all.isEmpty() ? null : all.get(all.size() - 1);
    }

    /**
     * Every value of a repeatable key from the first source that has it (flags may repeat; the
     * environment and the file give one value each).
     */
    List<Value> all(String key) {
        for (int level = 0; level < 3; level++) {
            List<Value> direct = at(level, key);
            List<Value> fromFile = secrets.contains(key) ? at(level, key + "-file") : List.of();
            if (!direct.isEmpty() && !fromFile.isEmpty()) {
                throw new BadSetting(direct.get(0).where() + " and " + fromFile.get(0).where()
                        + " both set " + key + ": give one of them");
            }
            if (!direct.isEmpty()) {
                return direct;
            }
            if (!fromFile.isEmpty()) {
                List<Value> read = new ArrayList<>();
                for (Value f : fromFile) {
                    read.add(readSecret(key, f));
                }
                return read;
            }
        }
        return List.of();
    }

    private List<Value> at(int level, String key) {
        return switch (level) {
            case 0 -> flags.getOrDefault(key, List.of());
            case 1 -> env.containsKey(key) ? List.of(env.get(key)) : List.of();
            default -> file.containsKey(key) ? List.of(file.get(key)) : List.of();
        };
    }

    private static Value readSecret(String key, Value pointer) {
        Path path = Path.of(pointer.text());
        try {
            String text = Files.readString(path, StandardCharsets.UTF_8).strip();
            if (text.isEmpty()) {
                throw pointer.bad("names an empty file: " + path);
            }
            return new Value(key, text, pointer.where() + " -> " + path);
        } catch (IOException e) {
            throw pointer.bad("names a file that cannot be read: " + path + " (" + e.getMessage() + ")");
        }
    }

    static String envName(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('-', '_');
    }
}
