package titorelay.tito;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * How long the mirror waits before asking Tito again: its doubling delay, at most a minute, but never less than the
 * Retry-After of a 429 (up to a quarter of an hour), since a try inside that window only meets another 429.
 */
class TitoApiRetryWaitTest {

    @Test
    void theWaitIsTheDoublingDelayButNeverLessThanRetryAfter() {
        assertEquals(1_000, TitoApiClient.waitMillis(1_000, 0), "no Retry-After: the delay");
        assertEquals(30_000, TitoApiClient.waitMillis(30_000, 10_000), "a shorter Retry-After: the delay");
        assertEquals(60_000, TitoApiClient.waitMillis(120_000, 0), "the delay stops doubling at a minute");
        assertEquals(90_000, TitoApiClient.waitMillis(1_000, 90_000), "Retry-After: 90 is waited whole, not cut to a minute");
        assertEquals(300_000, TitoApiClient.waitMillis(60_000, 300_000));
        assertEquals(900_000, TitoApiClient.waitMillis(1_000, 3_600_000), "an hour's Retry-After: a quarter of an hour");
    }

    @Test
    void retryAfterIsReadInSeconds() {
        assertEquals(90_000, TitoApiClient.retryAfterMillis("90"));
        assertEquals(2_000, TitoApiClient.retryAfterMillis(" 2 "));
        assertEquals(0, TitoApiClient.retryAfterMillis(null));
        assertEquals(0, TitoApiClient.retryAfterMillis("Wed, 21 Oct 2015 07:28:00 GMT"), "an HTTP date counts as none");
        assertEquals(0, TitoApiClient.retryAfterMillis("-5"));
    }
}
