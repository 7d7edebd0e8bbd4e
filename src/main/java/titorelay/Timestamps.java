package titorelay;

import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * The times in Tito's webhooks and in the relay's own envelopes, read the way {@link Instant#parse} and Tito's
 * {@code 2022-03-26 07:36:07 UTC} pattern read them, but without java.time's general parser for the two shapes that
 * come with nearly every delivery ({@code 2017-08-27T13:07:47.000Z} and {@code 2022-03-26 07:36:07 UTC}): that parser
 * builds a map of fields per call, which showed in dispatch's allocations (several parses a delivery). Anything else,
 * or anything near a limit where the general parser's rules apply (days past the 28th, offsets, more than four
 * digits of year), goes to java.time, so both ways give the same answer.
 */
public final class Timestamps {

    private static final DateTimeFormatter TITO_UTC = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss 'UTC'");
    private static final String UTC_SUFFIX = " UTC";

    private Timestamps() {
    }

    /** Tito writes both {@code 2017-08-27T13:07:47.000Z} and {@code 2022-03-26 07:36:07 UTC}; null if neither. */
    public static Instant parse(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String text = value.strip();
        Instant quick = quickly(text);
        if (quick != null) {
            return quick;
        }
        try {
            // Which of the two, told by its look rather than by a failed parse (an exception per webhook is costly).
            return text.endsWith(UTC_SUFFIX) ? LocalDateTime.parse(text, TITO_UTC).toInstant(ZoneOffset.UTC)
                    : Instant.parse(text);
        } catch (DateTimeParseException neither) {
            return null;
        }
    }

    /**
     * {@code parse(value).toString()} ({@code 2017-08-27T13:07:47Z}, as the sheet shows times), or null when
     * {@link #parse} gives null. The two common shapes are written from their own characters: java.time's formatter
     * took five times as long as the parse, for each time of each delivery.
     */
    public static String toIsoInstant(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String text = value.strip();
        Instant quick = quickly(text);
        if (quick == null) {
            Instant instant = parse(text);
            return instant == null ? null : instant.toString();
        }
        StringBuilder iso = new StringBuilder(30).append(text, 0, 10).append('T').append(text, 11, 19);
        int nanos = quick.getNano();
        if (nanos != 0) { // as Instant.toString: 3, 6 or 9 digits, as many as the fraction needs
            int digits = nanos % 1_000_000 == 0 ? 3 : nanos % 1_000 == 0 ? 6 : 9;
            iso.append('.').append(Integer.toString(1_000_000_000 + nanos), 1, 1 + digits);
        }
        return iso.append('Z').toString();
    }

    /** The two common shapes with plainly valid fields, else null (then java.time decides). */
    private static Instant quickly(String text) {
        // yyyy-MM-dd?HH:mm:ss: the same 19 characters begin both shapes.
        if (text.length() < 20 || text.charAt(4) != '-' || text.charAt(7) != '-' || text.charAt(13) != ':'
            || text.charAt(16) != ':') {
            return null;
        }
        // Days past the 28th, hour 24, second 60: the general parser's own rules (it resolves some of them).
        long epochSecond = epochSecond(text, 0, 5, 8, 11, 14, 17, false);
        if (epochSecond == NOT_A_TIME) {
            return null;
        }
        int nanos = 0;
        char separator = text.charAt(10);
        if (separator == ' ') {
            if (text.length() != 23 || !text.endsWith(UTC_SUFFIX)) {
                return null;
            }
        } else if (separator == 'T') {
            int end = text.length() - 1;
            if (text.charAt(end) != 'Z') {
                return null;
            }
            if (end > 19) {
                int fractionDigits = end - 20;
                if (text.charAt(19) != '.' || fractionDigits < 1 || fractionDigits > 9) {
                    return null;
                }
                int fraction = digits(text, 20, fractionDigits);
                if (fraction < 0) {
                    return null;
                }
                nanos = fraction;
                for (int i = fractionDigits; i < 9; i++) {
                    nanos *= 10;
                }
            }
        } else {
            return null;
        }
        return Instant.ofEpochSecond(epochSecond, nanos);
    }

    /**
     * The millisecond an inbox name starts with ({@code 20261126T185500.123Z-000000042-ticket.updated.webhook}, UTC,
     * as {@code SealInboxEnvelope} names deliveries), or -1 for a name of another shape. The delivery log finds each
     * new line by it.
     */
    public static long inboxNameMillis(String name) {
        if (name == null || name.length() < 20 || name.charAt(8) != 'T' || name.charAt(15) != '.'
            || name.charAt(19) != 'Z') {
            return -1;
        }
        long epochSecond = epochSecond(name, 0, 4, 6, 9, 11, 13, true);
        int millis = digits(name, 16, 3);
        return epochSecond == NOT_A_TIME || millis < 0 ? -1 : epochSecond * 1000 + millis;
    }

    private static final long NOT_A_TIME = Long.MIN_VALUE;

    /**
     * The UTC second written by two-digit fields at these places (four for the year), or {@link #NOT_A_TIME} if one
     * is not digits or out of range; days past the 28th only with {@code anyDayOfTheMonth}.
     */
    private static long epochSecond(String text, int yearAt, int monthAt, int dayAt, int hourAt, int minuteAt,
            int secondAt, boolean anyDayOfTheMonth) {
        int year = digits(text, yearAt, 4);
        int month = digits(text, monthAt, 2);
        int day = digits(text, dayAt, 2);
        int hour = digits(text, hourAt, 2);
        int minute = digits(text, minuteAt, 2);
        int second = digits(text, secondAt, 2);
        if (year < 0 || month < 1 || month > 12 || day < 1
            || day > (anyDayOfTheMonth ? YearMonth.of(year, month).lengthOfMonth() : 28)
            || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
            return NOT_A_TIME;
        }
        return LocalDate.of(year, month, day).toEpochDay() * 86_400 + hour * 3_600L + minute * 60L + second;
    }

    /** The number written by {@code count} ASCII digits from {@code from}, or -1. */
    private static int digits(String text, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
