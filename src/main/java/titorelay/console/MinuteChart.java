package titorelay.console;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Deliveries per minute as bars of an SVG picture drawn on the server (no script): one bar per minute, scaled to the
 * busiest minute, each with its minute and count as a tooltip.
 */
final class MinuteChart {

    static final int WIDTH = 720;
    static final int HEIGHT = 120;
    private static final DateTimeFormatter HOUR_MINUTE = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneOffset.UTC);

    private MinuteChart() {
    }

    /** The template's scope for these counts, the first of the minute starting at {@code from}. */
    static Map<String, Object> of(int[] perMinute, Instant from) {
        int busiest = 0;
        long total = 0;
        for (int count : perMinute) {
            busiest = Math.max(busiest, count);
            total += count;
        }
        double barWidth = (double) WIDTH / Math.max(1, perMinute.length);
        List<Map<String, Object>> bars = new ArrayList<>();
        for (int i = 0; i < perMinute.length; i++) {
            if (perMinute[i] == 0) {
                continue;
            }
            int height = Math.max(1, (int) Math.round((double) perMinute[i] * (HEIGHT - 4) / busiest));
            bars.add(Map.of("x", String.format("%.1f", i * barWidth), "y", HEIGHT - height, "height", height,
                    "width", String.format("%.1f", Math.max(1, barWidth - 0.5)),
                    "title", HOUR_MINUTE.format(from.plusSeconds(60L * i)) + " UTC: " + perMinute[i]));
        }
        List<Map<String, Object>> ticks = new ArrayList<>();
        for (int i = 0; i <= perMinute.length; i += 60) {
            ticks.add(Map.of("x", String.format("%.1f", i * barWidth), "label",
                    HOUR_MINUTE.format(from.plusSeconds(60L * i))));
        }
        return Map.of("bars", bars, "ticks", ticks, "busiest", busiest, "total", total, "width", WIDTH,
                "height", HEIGHT, "hours", perMinute.length / 60);
    }
}
