package io.quiver.schemas;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Extra Kafka client settings (SASL, TLS, timeouts) as the job and the query server take them on
 * the command line: a Java properties file, overridden key by key by {@code KEY=VALUE} options.
 */
public final class KafkaClientSettings {

    private KafkaClientSettings() {}

    /**
     * The settings in {@code file} (none when null), then {@code overrides} over them.
     *
     * @throws IllegalArgumentException when the file cannot be read
     */
    public static Map<String, String> merge(Path file, Map<String, String> overrides) {
        Map<String, String> all = new LinkedHashMap<>();
        if (file != null) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(r);
            } catch (IOException e) {
                throw new IllegalArgumentException(
                        "cannot read Kafka properties file " + file + ": " + e.getMessage(), e);
            }
            p.stringPropertyNames().forEach(k -> all.put(k, p.getProperty(k)));
        }
        all.putAll(overrides);
        return all;
    }

    /**
     * {@code settings} plus {@code bootstrap.servers}, which wins, as a Kafka client takes them.
     */
    public static Properties clientProperties(Map<String, String> settings, String bootstrap) {
        Properties p = new Properties();
        p.putAll(settings);
        p.put("bootstrap.servers", bootstrap);
        return p;
    }
}
