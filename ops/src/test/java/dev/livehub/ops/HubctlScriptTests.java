package dev.livehub.ops;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code hubctl} launcher script, before the JVM starts. */
class HubctlScriptTests {

    @Test
    void aJavaOlderThan25IsNamedInsteadOfFailingWithUnsupportedClassVersionError(@TempDir Path jdk) throws Exception {
        // A JDK 17 as far as the script can tell: its release file (and a java that must not be started).
        Files.createDirectories(jdk.resolve("bin"));
        Path java = Files.writeString(jdk.resolve("bin/java"), "#!/bin/sh\necho started >&2\nexit 3\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(jdk.resolve("release"), "JAVA_VERSION=\"17.0.12\"\n");

        ProcessBuilder builder = new ProcessBuilder("bash", Path.of("hubctl").toAbsolutePath().toString(), "--help")
            .redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", jdk.toString());
        Process hubctl = builder.start();
        String output = new String(hubctl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(hubctl.waitFor(10, TimeUnit.SECONDS)).isTrue();

        assertThat(hubctl.exitValue()).isEqualTo(1);
        assertThat(output).contains("hubctl: needs Java 25 or newer; " + java + " is Java 17").doesNotContain("started");
    }
}
