package dev.livehub.hub.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.livehub.hub.HubSettings;
import dev.livehub.hub.engine.StreamSettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The configuration metadata the build generates from {@link HubProperties} (what IDEs complete and document) covers
 * every {@code hub.*} property with a plain-text description (no Javadoc markup) and its default, and the README's
 * configuration table says the same as that metadata, so the two cannot drift. The plain-Java defaults agree with
 * the properties' initialisers.
 */
class ConfigurationMetadataTests {

    private static final Pattern ROW = Pattern.compile("^\\| `(hub\\.[a-z0-9.-]+)` \\| ([^|]+) \\|", Pattern.MULTILINE);

    @Test
    void everyHubPropertyHasADescriptionAndTheReadmeTableMatchesItsDefaults() throws IOException {
        Map<String, JsonNode> metadata = metadata();
        assertThat(metadata).containsKeys("hub.engine", "hub.stream.max-entries", "hub.token.secret",
                "hub.connect-rate.per-second");
        // IDEs show the description as it is: Javadoc markup copied from a field would show as {@code hub.engine}.
        metadata.forEach((name, property) -> assertThat(property.path("description").asString(""))
            .as("description of %s", name).endsWith(".").doesNotContain("{@", "<", ">"));

        Map<String, String> readme = readmeTable();
        assertThat(readme.keySet()).as("hub.* rows of the README's configuration table")
            .containsExactlyInAnyOrderElementsOf(metadata.keySet());
        metadata.forEach((name, property) -> {
            JsonNode value = property.get("defaultValue");
            String expected = value == null ? "unset" : value.asString();
            assertThat(readme.get(name)).as("README default of %s", name).isEqualTo(expected);
        });
    }

    @Test
    void groupsAndPropertiesCarryNoJavadocMarkup() throws IOException {
        try (InputStream in = ConfigurationMetadataTests.class
            .getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).isNotNull();
            assertThat(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8))
                .contains("\"description\"").doesNotContain("{@code", "{@link");
        }
    }

    @Test
    void thePlainJavaDefaultsAreThePropertiesDefaults() {
        HubProperties properties = new HubProperties();
        assertThat(HubAutoConfiguration.streamSettings(properties)).isEqualTo(StreamSettings.defaults());
        HubSettings defaults = HubSettings.defaults();
        assertThat(new HubSettings(properties.getMaxConnectionsPerUser(), properties.getOutboxSize(),
                properties.getHeartbeat(), properties.getRetry(), properties.getStreamLifetime(),
                properties.getCatchUpPage(), properties.getCompactAbove())).isEqualTo(defaults);
        assertThat(defaults.compactAbove()).isEqualTo(HubSettings.COMPACT_ABOVE);
    }

    private static Map<String, JsonNode> metadata() throws IOException {
        Map<String, JsonNode> properties = new LinkedHashMap<>();
        try (InputStream in = ConfigurationMetadataTests.class
            .getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("META-INF/spring-configuration-metadata.json, written by the configuration processor")
                .isNotNull();
            for (JsonNode property : JsonMapper.shared().readTree(in).path("properties")) {
                properties.put(property.path("name").asString(), property);
            }
        }
        return properties;
    }

    /** The hub.* rows of the README's "Configuration" table: property to default, backticks dropped. */
    private static Map<String, String> readmeTable() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        int start = readme.indexOf("\n## Configuration\n");
        String section = readme.substring(start, readme.indexOf("\n## ", start + 1));
        Map<String, String> rows = new LinkedHashMap<>();
        Matcher row = ROW.matcher(section);
        while (row.find()) {
            String previous = rows.put(row.group(1), row.group(2).strip().replace("`", ""));
            assertThat(previous).as("README rows of %s", row.group(1)).isNull();
        }
        return rows;
    }
}
