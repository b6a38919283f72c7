package dev.livehub.server;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

import org.junit.jupiter.api.Test;

import dev.livehub.hub.autoconfigure.HubProperties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hub artifact this server is built with carries its configuration metadata, so an IDE completes and documents
 * {@code hub.*} in any application that depends on it. In a reactor build past {@code package} the artifact is the
 * hub jar; in a build that stops at {@code test} it is the hub's classes folder, which is what that jar is made of.
 */
class HubJarMetadataTests {

    private static final String METADATA = "META-INF/spring-configuration-metadata.json";

    @Test
    void theHubArtifactHoldsItsConfigurationMetadata() throws Exception {
        Path artifact = hubArtifact();
        if (Files.isDirectory(artifact)) {
            assertThat(artifact.resolve(METADATA)).isRegularFile();
            return;
        }
        try (JarFile jar = new JarFile(artifact.toFile())) {
            ZipEntry entry = jar.getEntry(METADATA);
            assertThat(entry).as("%s in %s", METADATA, artifact).isNotNull();
            String json = new String(jar.getInputStream(entry).readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(json).contains("\"name\": \"hub.engine\"", "\"name\": \"hub.stream.max-entries\"");
        }
    }

    private static Path hubArtifact() throws URISyntaxException {
        return Path.of(HubProperties.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }
}
