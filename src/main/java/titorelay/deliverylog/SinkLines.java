package titorelay.deliverylog;

import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What each sink did with a delivery, kept in its line as text: one line per result, "sink TAB did TAB epoch-ms";
 * a later result of the same sink replaces an earlier one (a replay's "row written"). Appending a result is a string
 * concatenation in SQL, with no other table or index to write.
 */
final class SinkLines {

    private SinkLines() {
    }

    static String of(SinkResult result) {
        return clean(result.sink()) + '\t' + clean(result.did()) + '\t' + result.at().toEpochMilli() + '\n';
    }

    private static String clean(String text) {
        return text.replace('\t', ' ').replace('\n', ' ').replace('\r', ' ');
    }

    static List<SinkResult> parse(String lines) {
        if (lines == null || lines.isEmpty()) {
            return List.of();
        }
        Map<String, SinkResult> bySink = new LinkedHashMap<>();
        for (String line : lines.split("\n")) {
            String[] parts = line.split("\t", -1);
            if (parts.length == 3) {
                try {
                    bySink.put(parts[0], new SinkResult(parts[0], parts[1],
                            Instant.ofEpochMilli(Long.parseLong(parts[2]))));
                } catch (NumberFormatException damaged) {
                    // skipped
                }
            }
        }
        return bySink.values().stream()
                .sorted(Comparator.comparing(SinkResult::at).thenComparing(SinkResult::sink)).toList();
    }
}
