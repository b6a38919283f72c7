package dev.livehub.hub.admission;

import java.time.Duration;

import io.lettuce.core.RedisClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.livehub.hub.Cursor;
import dev.livehub.hub.Hub;
import dev.livehub.hub.HubSettings;
import dev.livehub.hub.engine.RedisEngine;
import dev.livehub.hub.engine.RedisKeys;
import dev.livehub.hub.engine.StreamSettings;
import dev.livehub.hub.testing.RecordingOutput;
import dev.livehub.hub.testing.RedisServerExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two nodes on one Redis: a session ended on one ends its streams on the other at once, those open and those admitted
 * on the other while it ended.
 */
class SessionStreamsAcrossNodesIntegrationTests {

    @RegisterExtension
    static final RedisServerExtension redis = new RedisServerExtension();

    private static Hub node() {
        return new Hub(new RedisEngine(RedisClient.create(redis.uri()), new RedisKeys("nodes"),
                StreamSettings.defaults(), Duration.ofSeconds(5)), HubSettings.defaults(), new SimpleMeterRegistry());
    }

    @Test
    void aSignOutOnOneNodeEndsTheSessionsStreamsOnTheOtherIncludingOneAdmittedWhileItEnded() throws Exception {
        try (Hub one = node(); Hub two = node();
                SessionStreams onOne = new SessionStreams(id -> true, Duration.ofHours(1), one);
                SessionStreams onTwo = new SessionStreams(id -> true, Duration.ofHours(1), two)) {
            RecordingOutput open = new RecordingOutput();
            onTwo.track("s1", two.connect("alice", Cursor.none(), open));
            open.events().awaitFirst("ready", Duration.ofSeconds(10));

            onOne.endSession("s1", "signed-out");
            assertThat(open.events().awaitFirst("auth-expired", Duration.ofSeconds(10)).data()).contains("signed-out");

            // Node two read the session before node one deleted it, and tracks the stream only now.
            RecordingOutput late = new RecordingOutput();
            onTwo.track("s1", two.connect("alice", Cursor.none(), late));
            assertThat(late.events().awaitFirst("auth-expired", Duration.ofSeconds(10)).data()).contains("signed-out");
            assertThat(onTwo.userOf("s1")).isNull();
        }
    }
}
