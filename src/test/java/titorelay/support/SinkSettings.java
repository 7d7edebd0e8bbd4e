package titorelay.support;

import java.util.HashMap;
import java.util.Map;

import titorelay.sheets.SheetsEmulator;

/** The settings that point a relay started by a test at its sinks: the Sheets emulator and an SMTP server on loopback. */
public final class SinkSettings {

    private SinkSettings() {
    }

    /** A modifiable map: the spreadsheet flushed every 200 ms, email to organizers@example.org without STARTTLS. */
    public static Map<String, String> emulatorAndSmtp(SheetsEmulator google, String spreadsheetId, int smtpPort) {
        return new HashMap<>(Map.of(
                "sheets.spreadsheet-id", spreadsheetId,
                "sheets.root-url", google.rootUrl(),
                "sheets.access-token", "emulator",
                "sheets.flush-interval-ms", "200",
                "mail.smtp.host", "127.0.0.1",
                "mail.smtp.port", String.valueOf(smtpPort),
                "mail.smtp.starttls", "false",
                "mail.organizers", "organizers@example.org"));
    }
}
