package titorelay.support;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import jakarta.mail.internet.MimeMessage;
import titorelay.sheets.SheetsEmulator;

/** What the organizers see after a run, in the shape a {@link Scenario} states it: the sheet's rows and the emails. */
public final class Observed {

    private Observed() {
    }

    /** A tab of an emulated spreadsheet; empty while it does not exist (the relay makes it at its first write). */
    public static List<List<String>> gridOrEmpty(SheetsEmulator google, String spreadsheetId, String tab) {
        return google.tabs(spreadsheetId).contains(tab) ? google.grid(spreadsheetId, tab) : List.of();
    }

    /** The Tickets tab as slug → [State, Name], read from a grid (header first). */
    public static Map<String, List<String>> ticketsIn(List<List<String>> grid) {
        Map<String, List<String>> rows = new TreeMap<>();
        if (grid.isEmpty()) {
            return rows;
        }
        int state = grid.get(0).indexOf("State");
        int name = grid.get(0).indexOf("Name");
        for (List<String> row : grid.subList(1, grid.size())) {
            if (rows.put(row.get(0), List.of(row.get(state), row.get(name))) != null) {
                rows.put(row.get(0), List.of("DUPLICATE ROW", ""));
            }
        }
        return rows;
    }

    /** The Registrations tab as slug → State. */
    public static Map<String, String> registrationsIn(List<List<String>> grid) {
        Map<String, String> rows = new TreeMap<>();
        if (grid.isEmpty()) {
            return rows;
        }
        int state = grid.get(0).indexOf("State");
        for (List<String> row : grid.subList(1, grid.size())) {
            if (rows.put(row.get(0), row.get(state)) != null) {
                rows.put(row.get(0), "DUPLICATE ROW");
            }
        }
        return rows;
    }

    /** Message-ID → how many times it was received. */
    public static Map<String, Integer> countByMessageId(MimeMessage[] received) throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        for (MimeMessage message : received) {
            counts.merge(message.getMessageID(), 1, Integer::sum);
        }
        return counts;
    }
}
