package dev.livehub.hub;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the README promises a reader who follows it top to bottom: JAVA_HOME is set before the first command that needs
 * it, every link stays inside the repository and leads to a file, and every app node it starts on Redis names its
 * Redis (a second node does not silently fall back to another).
 */
class ReadmeTests {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

    @Test
    void javaHomeComesBeforeTheFirstBuild() throws IOException {
        String readme = readme();
        int javaHome = readme.indexOf("export JAVA_HOME=");
        assertThat(javaHome).as("an export of JAVA_HOME").isNotNegative();
        assertThat(javaHome).as("before the first ./mvnw").isLessThan(readme.indexOf("./mvnw"));
        assertThat(javaHome).as("before the first java -jar").isLessThan(readme.indexOf("java -jar"));
    }

    @Test
    void everyLinkStaysInTheRepositoryAndLeadsToAFile() throws IOException {
        Matcher link = LINK.matcher(readme());
        int links = 0;
        while (link.find()) {
            String target = link.group(1).replaceAll("#.*", "");
            links++;
            assertThat(target).as("link %s", link.group(1)).doesNotContain("://").doesNotStartWith("mailto:");
            if (target.isEmpty()) {
                continue;
            }
            Path file = ROOT.resolve(target).normalize();
            assertThat(file.startsWith(ROOT)).as("link %s stays in the repository", target).isTrue();
            assertThat(file).as("link %s", target).exists();
        }
        assertThat(links).isPositive();
    }

    @Test
    void everyNodeStartedOnRedisNamesItsRedis() throws IOException {
        String commands = readme().replace("\\\n", " ");
        Matcher node = Pattern.compile("java -jar app/target/app\\.jar[^\\n]*--hub\\.engine=redis[^\\n]*").matcher(commands);
        int nodes = 0;
        while (node.find()) {
            nodes++;
            assertThat(node.group()).contains("--spring.data.redis.host=", "--spring.data.redis.port=");
        }
        assertThat(nodes).isGreaterThanOrEqualTo(2);
    }

    private static String readme() throws IOException {
        return Files.readString(ROOT.resolve("README.md"));
    }
}
