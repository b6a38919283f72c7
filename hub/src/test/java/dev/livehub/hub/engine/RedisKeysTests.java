package dev.livehub.hub.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The wire format's key names: plain ids are their own encoding, any other id round-trips through its key. */
class RedisKeysTests {

    private final RedisKeys keys = new RedisKeys("hub");

    @Test
    void plainIdsAreKeptAsTheyAre() {
        assertThat(keys.stream("42")).isEqualTo("hub:{42}:events");
        assertThat(keys.bell("alice@example.com")).isEqualTo("hub:{alice@example.com}:bell");
        assertThat(keys.publishId("a.b_c+d=e:f-G", "p1")).isEqualTo("hub:{a.b_c+d=e:f-G}:pub:p1");
    }

    @Test
    void everyOtherByteIsPercentEncodedInUpperCaseHex() {
        assertThat(keys.stream("Mary Ann")).isEqualTo("hub:{Mary%20Ann}:events");
        assertThat(keys.stream("josé")).isEqualTo("hub:{jos%C3%A9}:events");
        assertThat(keys.bell("{x}*%")).isEqualTo("hub:{%7Bx%7D%2A%25}:bell");
    }

    @ParameterizedTest
    @ValueSource(strings = { "42", "Mary Ann", "josé", "{x}*%", "名前", "a\nb", "😀 smile", "%41" })
    void theUserOfAKeyIsTheIdItWasMadeFrom(String user) {
        assertThat(keys.userOf(keys.stream(user))).isEqualTo(user);
        assertThat(keys.userOf(keys.bell(user))).isEqualTo(user);
    }

    @Test
    void aSegmentNotWrittenByTheRuleIsNoUser() {
        assertThat(keys.userOf("hub:{a b}:events")).isNull();
        assertThat(keys.userOf("hub:{%41}:events")).isNull();
        assertThat(keys.userOf("hub:{jos%c3%a9}:events")).isNull();
        assertThat(keys.userOf("hub:{%C3}:events")).isNull();
        assertThat(keys.userOf("other:{42}:events")).isNull();
        assertThatThrownBy(() -> RedisKeys.decodeUser("a%2")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aUserPatternKeepsItsGlobCharactersAndEncodesTheRest() {
        assertThat(keys.streamPattern()).isEqualTo("hub:{*}:events");
        assertThat(keys.streamPattern("Mary *")).isEqualTo("hub:{Mary%20*}:events");
        assertThat(keys.streamPattern("jos?")).isEqualTo("hub:{jos?}:events");
    }
}
