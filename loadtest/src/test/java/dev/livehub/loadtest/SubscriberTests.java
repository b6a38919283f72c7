package dev.livehub.loadtest;

import java.net.URI;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What a subscriber counts as received of what it is owed: each seq, or under compaction a later state of its record. */
class SubscriberTests {

    private final Subscriber subscriber = new Subscriber("lt0", URI.create("http://127.0.0.1:1/sub/lt0"), null, null,
            new Stats(), -1);

    private static final int[] OWED = { 10, 11, 12, 13, 14, 15, 16, 17, 18, 19 };

    private void deliver(int... seqs) {
        for (int seq : seqs) {
            subscriber.onData("{\"seq\":" + seq + ",\"t\":" + Clock.micros() + "}", null);
        }
    }

    @Test
    void withoutCompactionEachSeqCountsOnlyItself() {
        deliver(10, 12, 19, 25);
        assertThat(subscriber.received(OWED, 0)).isEqualTo(3);
    }

    @Test
    void underCompactionTheLatestStateOfEachRecordCoversItsEarlierOnes() {
        // Records are seq % 5: 15 to 19 are the latest states of the five records, and cover 10 to 14.
        deliver(15, 16, 17, 18, 19);
        assertThat(subscriber.received(OWED, 5)).isEqualTo(10);
    }

    @Test
    void underCompactionAStateCoversOnlyItsOwnRecordAndOnlyWhatCameBefore() {
        // 13 is record 3's state then: it covers 13 and not 18, its later state; 24 (record 4) covers 14 and 19.
        deliver(13, 24, 7);
        assertThat(subscriber.received(OWED, 5)).isEqualTo(3);
    }
}
