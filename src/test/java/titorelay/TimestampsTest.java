package titorelay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The quick reading of Tito's two common time shapes gives what java.time's own parsers give, for every input: the
 * expected values come from {@link Instant#parse} and Tito's pattern directly, never from the class under test.
 */
class TimestampsTest {

    private static final DateTimeFormatter TITO_UTC = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss 'UTC'");

    /** What java.time says: Tito's pattern when the text ends with " UTC", else ISO-8601; null when it refuses. */
    private static Instant javaTime(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String text = value.strip();
        try {
            return text.endsWith(" UTC") ? LocalDateTime.parse(text, TITO_UTC).toInstant(ZoneOffset.UTC)
                    : Instant.parse(text);
        } catch (DateTimeParseException refused) {
            return null;
        }
    }

    @Test
    void theShapesOfTheReferencePayloadsAreReadAsJavaTimeReadsThem() {
        assertEquals(Instant.parse("2017-08-27T13:07:47Z"), Timestamps.parse("2017-08-27T13:07:47.000Z"));
        assertEquals(Instant.parse("2022-03-26T07:36:07Z"), Timestamps.parse("2022-03-26 07:36:07 UTC"));
        assertEquals(Instant.parse("2022-03-26T06:36:07.123Z"), Timestamps.parse("2022-03-26T07:36:07.123+01:00"));
        assertEquals(Instant.parse("2026-11-28T04:43:11.280Z"), Timestamps.parse("2026-11-28T04:43:11.280Z"));
        assertEquals(Instant.ofEpochSecond(1_764_304_991L, 123_456_789),
                Timestamps.parse("2025-11-28T04:43:11.123456789Z"));
    }

    @Test
    void everyInputOfTheMatrixGetsJavaTimesAnswer() {
        List<String> inputs = new ArrayList<>(List.of(
                // the common shapes, and the same near their limits
                "2017-08-27T13:07:47.000Z", "2017-08-27T13:07:47Z", "2017-08-27T13:07:47.1Z",
                "2017-08-27T13:07:47.123456789Z", "2017-08-27T13:07:47.1234567890Z", "2022-03-26 07:36:07 UTC",
                "  2022-03-26 07:36:07 UTC  ", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z",
                "2024-02-29T12:00:00Z", "2023-02-29T12:00:00Z", "2023-02-30 12:00:00 UTC", "2023-04-31T00:00:00Z",
                "2023-01-31T00:00:00Z", "2023-12-31 23:59:59 UTC", "2023-06-30T23:59:60Z", "2023-06-30T24:00:00Z",
                "2023-06-30 24:00:00 UTC", "2023-13-01T00:00:00Z", "2023-00-10T00:00:00Z", "2023-01-00T00:00:00Z",
                "2023-01-01T00:60:00Z", "2023-01-01T00:00:61Z", "+12023-01-01T00:00:00Z", "-0001-01-01T00:00:00Z",
                // other spellings: offsets, lower case, no fraction digits, missing parts
                "2023-01-01T00:00:00+00:00", "2023-01-01T00:00:00-05:30", "2023-01-01T00:00:00.5+02:00",
                "2023-01-01t00:00:00z", "2023-01-01T00:00:00.Z", "2023-01-01T00:00:00", "2023-01-01 00:00:00",
                "2023-01-01 00:00:00 utc", "2023-01-01 00:00:00  UTC", "2023-01-01T00:00Z", "2023-1-01T00:00:00Z",
                "2023-01-01X00:00:00Z", "2023-01-01T00:00:00.12a4Z", "2023-01-01T00:00:00,123Z",
                "２０２３-01-01T00:00:00Z", "2023-01-01T00:00:00ZZ", "2023-01-01T00:00:00.123 UTC",
                // not times at all
                "", "   ", "not a time", "2023", "null", "20230101T000000Z", "2023-01-01T00:00:00.000000000000Z",
                // fractions Instant writes with 3, 6 or 9 digits, and none
                "2017-08-27T13:07:47.120Z", "2017-08-27T13:07:47.000120Z", "2017-08-27T13:07:47.000000120Z",
                "2017-08-27T13:07:47.123450Z", "2017-08-27T13:07:47.000000000Z", "0999-01-01T00:00:00.5Z"));
        Random random = new Random(20261128);
        for (int i = 0; i < 5_000; i++) {
            inputs.add(randomTime(random));
        }
        for (String input : inputs) {
            Instant expected = javaTime(input);
            assertEquals(expected, Timestamps.parse(input), () -> "for \"" + input + "\"");
            assertEquals(expected == null ? null : expected.toString(), Timestamps.toIsoInstant(input),
                    () -> "written as Instant writes it, for \"" + input + "\"");
        }
        assertNull(Timestamps.parse(null));
        assertNull(Timestamps.toIsoInstant(null));
    }

    /** A time in one of the shapes, its fields sometimes out of range and sometimes a character off. */
    private static String randomTime(Random random) {
        String time = String.format("%04d-%02d-%02d%s%02d:%02d:%02d", random.nextInt(10_000), random.nextInt(14),
                random.nextInt(33), random.nextBoolean() ? "T" : " ", random.nextInt(26), random.nextInt(62),
                random.nextInt(62));
        String fraction = random.nextInt(4) == 0 ? "" : "." + "123456789012".substring(0, random.nextInt(12));
        String end = switch (random.nextInt(4)) {
            case 0 -> " UTC";
            case 1 -> fraction + "+0" + random.nextInt(10) + ":00";
            default -> fraction + "Z";
        };
        StringBuilder text = new StringBuilder(time + end);
        if (random.nextInt(10) == 0) {
            text.setCharAt(random.nextInt(text.length()), (char) ('!' + random.nextInt(90)));
        }
        return text.toString();
    }
}
