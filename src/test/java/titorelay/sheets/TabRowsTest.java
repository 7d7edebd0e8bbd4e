package titorelay.sheets;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rows packed as bytes read back exactly what was set, against a map of maps doing the same. */
class TabRowsTest {

    @Test
    void eachKindOfCellReadsBackAsSet() {
        TabRows rows = new TabRows();
        rows.add("ti_1");
        assertTrue(rows.contains("ti_1"));
        assertFalse(rows.contains("ti_2"));
        assertNull(rows.get("ti_1", "Slug"), "no such column yet");
        assertNull(rows.get("ti_2", "Slug"), "no such row");

        String long300 = "x".repeat(300); // a length that takes two bytes to say
        rows.set("ti_1", "Slug", "ti_1"); // the row's own key
        rows.set("ti_1", "Name", "Zoë Ñúñez 日本 😀"); // two, three and four bytes a character in UTF-8
        rows.set("ti_1", "Empty", "");
        rows.set("ti_1", "Long", long300);
        rows.set("ti_1", "State", "complete");
        assertEquals("ti_1", rows.get("ti_1", "Slug"));
        assertEquals("Zoë Ñúñez 日本 😀", rows.get("ti_1", "Name"));
        assertEquals("", rows.get("ti_1", "Empty"));
        assertEquals(long300, rows.get("ti_1", "Long"));
        assertEquals("complete", rows.get("ti_1", "State"));
        assertEquals(List.of("Slug", "Name", "Empty", "Long", "State"), rows.columnsOf("ti_1"));

        // A cell in the middle replaced by a longer and a shorter value, then removed: the others stay.
        rows.set("ti_1", "Name", "a much longer name than before, " + long300);
        assertEquals("a much longer name than before, " + long300, rows.get("ti_1", "Name"));
        rows.set("ti_1", "Name", "B");
        rows.set("ti_1", "Empty", null);
        assertEquals("B", rows.get("ti_1", "Name"));
        assertNull(rows.get("ti_1", "Empty"));
        assertEquals(long300, rows.get("ti_1", "Long"));
        assertEquals("complete", rows.get("ti_1", "State"));
        assertEquals(List.of("Slug", "Name", "Long", "State"), rows.columnsOf("ti_1"));

        // A row made later only has the cells set on it, even in columns another row made.
        rows.add("ti_2");
        rows.set("ti_2", "State", "void");
        assertEquals(List.of("State"), rows.columnsOf("ti_2"));
        assertNull(rows.get("ti_2", "Slug"));
        assertEquals("void", rows.get("ti_2", "State"));
        assertEquals("complete", rows.get("ti_1", "State"));
    }

    @Test
    void aColumnOfValuesThatNeverRepeatReadsBackPastTheValuesHeldOnce() {
        TabRows rows = new TabRows();
        for (int i = 0; i < 5_000; i++) {
            rows.add("k" + i);
            rows.set("k" + i, "Email", "person" + i + "@example.org");
            rows.set("k" + i, "State", i % 2 == 0 ? "complete" : "void");
        }
        for (int i = 0; i < 5_000; i++) {
            assertEquals("person" + i + "@example.org", rows.get("k" + i, "Email"));
            assertEquals(i % 2 == 0 ? "complete" : "void", rows.get("k" + i, "State"));
        }
    }

    @Test
    void randomSetsReadBackAsAMapOfMapsHoldsThem() {
        long seed = Long.getLong("rows.seed", System.nanoTime());
        Random random = new Random(seed);
        TabRows rows = new TabRows();
        Map<String, Map<String, String>> model = new HashMap<>();
        List<String> columns = new ArrayList<>();
        for (int c = 0; c < 25; c++) {
            columns.add("Column " + c);
        }
        List<String> keys = new ArrayList<>();
        for (int step = 0; step < 50_000; step++) {
            if (keys.isEmpty() || random.nextInt(10) == 0) {
                String key = "key_" + random.nextInt(2_000);
                if (!model.containsKey(key)) {
                    rows.add(key);
                    model.put(key, new LinkedHashMap<>());
                    keys.add(key);
                }
                continue;
            }
            String key = keys.get(random.nextInt(keys.size()));
            String column = columns.get(random.nextInt(1 + Math.min(columns.size() - 1, step / 2_000)));
            String value = switch (random.nextInt(6)) {
                case 0 -> null;
                case 1 -> key;
                case 2 -> "shared " + random.nextInt(4);
                case 3 -> "é".repeat(random.nextInt(100));
                default -> Long.toString(random.nextLong(), 36);
            };
            rows.set(key, column, value);
            if (value == null) {
                model.get(key).remove(column);
            } else {
                model.get(key).put(column, value);
            }
        }
        for (String key : keys) {
            for (String column : columns) {
                assertEquals(model.get(key).get(column), rows.get(key, column),
                        "row " + key + ", column " + column + " (seed " + seed + ", -Drows.seed to repeat)");
            }
            assertEquals(model.get(key).keySet(), new java.util.HashSet<>(rows.columnsOf(key)), "seed " + seed);
        }
    }

    @Test
    void rowsAreFoundByTheirWholeKeyAmongKeysOfOneHashAndKeysThatStartAlike() {
        TabRows rows = new TabRows();
        // "Aa" and "BB" have one hash, so do all 2^9 strings of nine such pairs: 512 keys in one chain of the table.
        List<String> sameHash = new ArrayList<>();
        for (int bits = 0; bits < 512; bits++) {
            StringBuilder key = new StringBuilder();
            for (int pair = 0; pair < 9; pair++) {
                key.append((bits >> pair & 1) == 0 ? "Aa" : "BB");
            }
            sameHash.add(key.toString());
        }
        assertEquals(1, sameHash.stream().map(String::hashCode).distinct().count(), "the keys share one hash");
        List<String> keys = new ArrayList<>(sameHash);
        for (int i = 0; i < 3_000; i++) {
            keys.add("ti_" + i); // "ti_1" is also the start of "ti_10", "ti_100" and "ti_1000"
        }
        keys.add("Zoë ñ 日本 😀"); // multi-byte UTF-8
        keys.add("k".repeat(200)); // a length that takes two bytes to say
        keys.add("k".repeat(199) + "é"); // as many characters, one more byte
        for (String key : keys) {
            rows.add(key);
            rows.set(key, "Slug", key);
            rows.set(key, "Name", "name of " + key);
        }
        for (String key : keys) {
            assertTrue(rows.contains(key), key);
            assertEquals(key, rows.get(key, "Slug"));
            assertEquals("name of " + key, rows.get(key, "Name"));
            assertEquals(List.of("Slug", "Name"), rows.columnsOf(key));
        }
        for (String missing : List.of("AaAaAaAaAaAaAaAaAa" + "x", "AaAaAaAaAaAaAaAa", "ti_3000", "ti_", "ti_01",
                "Zoë ñ 日本", "k".repeat(201), "k".repeat(199) + "e", "")) {
            assertFalse(rows.contains(missing), missing);
            assertNull(rows.get(missing, "Slug"), missing);
        }
        // Adding a row again leaves its cells as they are.
        rows.add("ti_7");
        assertEquals("name of ti_7", rows.get("ti_7", "Name"));
    }

    @Test
    void aRowReadOverAndOverIsStillFoundAfterTheTableGrowsUnderIt() {
        TabRows rows = new TabRows();
        String first = "ti_first";
        rows.add(first);
        rows.set(first, "Name", "First");
        for (int i = 0; i < 1_000; i++) { // the table grows several times, each moving the rows
            rows.add("ti_" + i);
            assertEquals("First", rows.get(first, "Name"), "after " + (i + 1) + " rows added");
        }
        for (int i = 0; i < 1_000; i++) {
            rows.set("ti_" + i, "Name", "Row " + i);
        }
        for (int i = 0; i < 1_000; i++) {
            assertEquals("Row " + i, rows.get("ti_" + i, "Name"));
        }
        assertEquals("First", rows.get(first, "Name"));
    }

    @Test
    void aCellSetOnARowNeverAddedIsRefusedByName() {
        TabRows rows = new TabRows();
        rows.add("ti_1");
        IllegalArgumentException refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> rows.set("ti_2", "State", "void"));
        assertEquals("No row ti_2 in the tab", refused.getMessage());
        assertFalse(rows.contains("ti_2"));
    }
}
