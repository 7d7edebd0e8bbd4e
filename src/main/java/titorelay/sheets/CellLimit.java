package titorelay.sheets;

import java.util.LinkedHashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Google refuses a whole write request when one of its cells holds more than 50,000 characters: one attendee's
 * overlong answer would fail every row of that flush, again on every retry and replay. So a longer value is cut, and
 * ends with a marker saying how much was left out; the CSV twin gets the same cut, so both hold the same table and the
 * relay never sees the cut value it reads back as a change.
 */
final class CellLimit {

    private static final Logger LOG = LoggerFactory.getLogger(CellLimit.class);

    /** Google's limit per cell, in UTF-16 units (a stricter count than code points, so safe either way). */
    static final int MAX_CHARACTERS = 50_000;

    private CellLimit() {
    }

    /** The column → value map with every column name and value cut to fit a cell. */
    static Map<String, String> fit(String tab, String key, Map<String, String> cells) {
        Map<String, String> fitted = new LinkedHashMap<>();
        cells.forEach((column, value) -> {
            if (value.length() > MAX_CHARACTERS || column.length() > MAX_CHARACTERS) {
                LOG.warn("{} row {}: a value of {} characters is over the spreadsheet's limit of {} per cell; it is cut",
                        tab, key.length() > 60 ? key.substring(0, 60) + "…" : key, Math.max(value.length(), column.length()), MAX_CHARACTERS);
            }
            fitted.put(fit(column), fit(value));
        });
        return fitted;
    }

    /** The value itself if it fits, else its beginning and a marker, within {@link #MAX_CHARACTERS}. */
    static String fit(String value) {
        if (value.length() <= MAX_CHARACTERS) {
            return value;
        }
        // The marker is sized for the most that could be left out; leaving out less only shortens it.
        int keep = MAX_CHARACTERS - marker(value.codePointCount(0, value.length())).length();
        if (Character.isHighSurrogate(value.charAt(keep - 1))) {
            keep--; // never split a character in two
        }
        return value.substring(0, keep) + marker(value.codePointCount(keep, value.length()));
    }

    private static String marker(int leftOut) {
        return "… [cut by tito-relay: " + leftOut + " characters left out]";
    }
}
