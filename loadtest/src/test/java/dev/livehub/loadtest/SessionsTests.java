package dev.livehub.loadtest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The cookie file of --cookie-file. (Signing in through /login runs against the real app in the nginx module.) */
class SessionsTests {

    @TempDir
    Path dir;

    @Test
    void aCookieFileHoldsOneSessionALineAndSkipsCommentsAndBlankLines() throws Exception {
        Path file = Files.writeString(dir.resolve("cookies.txt"), """
                # hub user id, then the Cookie header of the user's session
                42 SESSION=ZmE3; theme=dark

                43   SESSION=YmI4
                """);
        assertThat(Sessions.fromFile(file)).containsExactly(new Sessions.Session("42", "SESSION=ZmE3; theme=dark"),
                new Sessions.Session("43", "SESSION=YmI4"));
    }

    @Test
    void aLineThatIsNotAUserAndACookieIsNamed() throws Exception {
        Path file = Files.writeString(dir.resolve("cookies.txt"), "42 SESSION=a\nSESSION=b\n");
        assertThatThrownBy(() -> Sessions.fromFile(file)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("line 2").hasMessageContaining("<hub user id> <Cookie header>");
        Path empty = Files.writeString(dir.resolve("empty.txt"), "# nothing\n");
        assertThatThrownBy(() -> Sessions.fromFile(empty)).hasMessageContaining("holds no session");
    }

    @Test
    void aRunWithABadCookieFileStopsWithOneLineThatSaysWhy() throws Exception {
        Path file = Files.writeString(dir.resolve("cookies.txt"), "not-a-session-line\n");
        java.io.StringWriter err = new java.io.StringWriter();
        picocli.CommandLine command = LoadTest.commandLine();
        command.setErr(new java.io.PrintWriter(err, true));
        int status = command.execute("steady", "--url", "http://127.0.0.1:9", "--cookie-file", file.toString());
        assertThat(status).isEqualTo(2);
        assertThat(err.toString()).startsWith("loadtest: ").contains("line 1").doesNotContain("\tat ");
    }

    @Test
    void theSessionsWrittenForHelperProcessesReadBackInTheirOrder() throws Exception {
        List<Sessions.Session> sessions = List.of(new Sessions.Session("42", "SESSION=ZmE3; theme=dark"),
                new Sessions.Session("7", "SESSION=YmI4"), new Sessions.Session("42", "SESSION=Y2M5"));

        Path file = Sessions.toFile(sessions);
        try {
            assertThat(Sessions.fromFile(file)).isEqualTo(sessions);
            // The cookies sign their users in.
            assertThat(Files.getPosixFilePermissions(file)).containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ,
                    PosixFilePermission.OWNER_WRITE);
        }
        finally {
            Files.delete(file);
        }
    }
}
