package titorelay.sheets;

import java.util.HashMap;
import java.util.Map;

/**
 * One instance of each repeated cell value (a state, an event, a release title, an answer) instead of one per row:
 * each webhook's JSON brings its own copies, and a tab of 150,000 rows would keep them all. Kept per column, up to
 * a bound, so that a column of values that never repeat (slugs, names) stops growing at the bound.
 *
 * @param <C> how a column is named: its title, or its index
 */
final class SharedValues<C> {

    private static final int PER_COLUMN = 1_000;

    private final Map<C, Map<String, String>> byColumn = new HashMap<>();

    /** The instance of this value already kept for the column, else the value itself (kept, if there is room). */
    String share(C column, String value) {
        if (value == null) {
            return null;
        }
        Map<String, String> values = byColumn.computeIfAbsent(column, c -> new HashMap<>());
        String shared = values.get(value);
        if (shared != null) {
            return shared;
        }
        if (values.size() < PER_COLUMN) {
            values.put(value, value);
        }
        return value;
    }
}
