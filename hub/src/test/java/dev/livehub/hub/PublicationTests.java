package dev.livehub.hub;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PublicationTests {

    @Test
    void publishIdsTheHubMakesAreDistinctAcrossThreadsAndFitTheBound() throws Exception {
        Set<String> ids = ConcurrentHashMap.newKeySet();
        try (ExecutorService threads = Executors.newFixedThreadPool(4)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                done.add(threads.submit(() -> {
                    for (int n = 0; n < 10_000; n++) {
                        ids.add(Publication.newPublishId());
                    }
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
        }

        assertThat(ids).hasSize(40_000);
        Set<String> prefixes = new HashSet<>();
        for (String id : ids) {
            assertThat(id).matches("[0-9a-f]{24}-[0-9a-f]{1,16}");
            prefixes.add(id.substring(0, 24));
        }
        // One random prefix per process; the counter tells its ids apart.
        assertThat(prefixes).hasSize(1);
        assertThat(Publication.of("notif", "{}").publishId()).startsWith(prefixes.iterator().next());
    }

    @Test
    void aUserIdIsCountedInCharactersAsPeopleSeeThem() {
        String emoji = "\uD83D\uDE00"; // one character, two UTF-16 units
        assertThat(Publication.isUserId(emoji.repeat(256))).isTrue();
        assertThat(Publication.isUserId("é".repeat(256))).isTrue();
        assertThat(Publication.isUserId(emoji.repeat(257))).isFalse();
        assertThat(Publication.isUserId("u".repeat(257))).isFalse();
        // An unpaired surrogate has no UTF-8 form: two such ids would share one key.
        assertThat(Publication.isUserId("a\uD83D")).isFalse();
        assertThat(Publication.isUserId("\uDE00a")).isFalse();
        assertThat(Publication.isUserId("")).isFalse();
        assertThat(Publication.isUserId(null)).isFalse();
        // The refusal counts and cuts as people count: 41 characters shown as 40 and the count, no half character.
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> Publication.requireUserId(emoji.repeat(257))))
            .hasMessageEndingWith(emoji.repeat(40) + "... (257 characters)'");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> Publication.requireUserId("a\uD83D")))
            .hasMessageEndingWith("'a?'");
    }
}
