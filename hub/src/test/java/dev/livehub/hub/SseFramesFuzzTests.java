package dev.livehub.hub;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import dev.livehub.hub.testing.SseEvent;
import dev.livehub.hub.testing.SseParser;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No payload can break a frame or smuggle in a second event: 20,000 random payloads built from the characters that
 * matter to SSE (CR, LF, CRLF, {@code data:}, {@code event:}, {@code id:}, {@code retry:}, colons, blank lines, NUL,
 * non-BMP and combining unicode), each framed by {@link SseFrames} and parsed as a browser's EventSource would, must
 * come back as exactly one event with the same name, id and data (line endings normalised to LF, as the SSE spec
 * joins data lines). Seeded, so a failure names its input and repeats.
 */
class SseFramesFuzzTests {

    private static final String[] PIECES = { "\n", "\r", "\r\n", "\n\n", "\r\r", "data: ", "data:", "event: reset",
        "event:", "id: 9-9", "id:", "retry: 1", ":", ": ping", " ", "\u0000", "{\"a\":\"b\"}", "x", "é", "\u0301",
        "\uD83D\uDE00", "\u2028", "\u0085", "\\n", "\"", "\t", "\uFEFF" };

    @Test
    void noPayloadBreaksTheFrameOrInjectsASecondEvent() {
        SplittableRandom random = new SplittableRandom(20261124);
        for (int run = 0; run < 20_000; run++) {
            String data = randomText(random, 40);
            String event = random.nextInt(4) == 0 ? "crud.update" + randomText(random, 3) : "crud.update";
            HubEvent sent = new HubEvent(new EventId(1_700_000_000_000L + run, run % 7), event, data);

            StringBuilder frame = new StringBuilder();
            SseFrames.appendEvent(frame, sent);
            List<SseEvent> parsed = new ArrayList<>();
            SseParser parser = new SseParser(parsed::add);
            parser.feed(frame.toString());
            // A well-formed frame ends with a blank line: nothing may be left half-parsed.
            parser.feed("data: sentinel\n\n");

            String shown = "run " + run + ": " + escape(data);
            assertThat(parsed).as(shown).hasSize(2);
            SseEvent received = parsed.getFirst();
            assertThat(received.data()).as(shown).isEqualTo(data.replace("\r\n", "\n").replace('\r', '\n'));
            assertThat(received.event()).as(shown).isEqualTo(event.replace("\r", "").replace("\n", ""));
            assertThat(received.id()).as(shown).isEqualTo(sent.id().toString());
            assertThat(parsed.getLast().data()).as(shown).isEqualTo("sentinel");
        }
    }

    private static String randomText(SplittableRandom random, int maxPieces) {
        StringBuilder text = new StringBuilder();
        int pieces = random.nextInt(maxPieces + 1);
        for (int i = 0; i < pieces; i++) {
            text.append(PIECES[random.nextInt(PIECES.length)]);
        }
        return text.toString();
    }

    private static String escape(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints().forEach(c -> out.append(c < 0x20 || c > 0x7e ? String.format("\\u%04x", c)
                : Character.toString(c)));
        return out.toString();
    }
}
