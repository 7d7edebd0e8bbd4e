package titorelay.support;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

    /** GreenMail's trace line: "Received: from 127.0.0.1 (HELO data-run3); Mon Dec 07 ...". */
    private static final Pattern GREETING = Pattern.compile("\\(HELO ([^)]*)\\)");

    /**
     * Message-ID → the relay run that sent each copy, in the order the SMTP server received them: the name the
     * run greeted the server with ({@link RelayProcess#name()}), which GreenMail writes into the Received header.
     */
    public static Map<String, List<String>> sendersByMessageId(MimeMessage[] received) throws Exception {
        Map<String, List<String>> senders = new LinkedHashMap<>();
        for (MimeMessage message : received) {
            String sender = null;
            for (String trace : message.getHeader("Received") == null ? new String[0] : message.getHeader("Received")) {
                Matcher greeting = GREETING.matcher(trace);
                if (greeting.find()) {
                    sender = greeting.group(1);
                }
            }
            if (sender == null) {
                throw new AssertionError("no sender in the Received header of " + message.getMessageID());
            }
            senders.computeIfAbsent(message.getMessageID(), id -> new ArrayList<>()).add(sender);
        }
        return senders;
    }

    /**
     * The one repeat SMTP leaves possible, and nothing more: an email sent again because a kill fell between the
     * server accepting it and the relay recording it. Fails unless every copy of an email but its last was sent by
     * a run that was killed afterwards, no run sent an email twice, and no killed run accounts for copies of two
     * emails (a relay sends one email at a time, so one kill falls in one email's instant). Returns the senders of
     * the emails received more than once.
     */
    public static Map<String, List<String>> assertRepeatsOnlyAcrossKills(Map<String, List<String>> senders,
            Collection<String> killedRuns) {
        Map<String, String> explainedBy = new HashMap<>(); // a killed run → the email whose repeat it explains
        Map<String, List<String>> repeated = new TreeMap<>();
        for (Map.Entry<String, List<String>> email : senders.entrySet()) {
            List<String> runs = email.getValue();
            if (runs.size() == 1) {
                continue;
            }
            repeated.put(email.getKey(), runs);
            Set<String> distinct = new HashSet<>(runs);
            if (distinct.size() != runs.size()) {
                throw new AssertionError(email.getKey() + " sent more than once by one run, without a kill between: " + runs);
            }
            for (String run : runs.subList(0, runs.size() - 1)) {
                if (!killedRuns.contains(run)) {
                    throw new AssertionError(email.getKey() + " sent again after a copy from " + run
                                             + ", which was not killed: " + runs);
                }
                String earlier = explainedBy.putIfAbsent(run, email.getKey());
                if (earlier != null) {
                    throw new AssertionError("one kill of " + run + " would explain repeats of two emails, "
                                             + earlier + " and " + email.getKey() + ": " + runs);
                }
            }
        }
        return repeated;
    }
}
