package titorelay.kafka;

import com.icegreen.greenmail.util.GreenMail;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import titorelay.sheets.SheetsEmulator;
import titorelay.support.SmtpServer;
import titorelay.support.TestRelay;

/**
 * The sinks that relays working together share, fresh for each test ({@code @RegisterExtension}): a Sheets emulator
 * holding one spreadsheet, and an SMTP server on a free loopback port.
 */
final class SinkServers implements BeforeEachCallback, AfterEachCallback {

    private final String spreadsheetId;
    private SheetsEmulator google;
    private GreenMail smtp;
    private int smtpPort;

    SinkServers(String spreadsheetId) {
        this.spreadsheetId = spreadsheetId;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        google = SheetsEmulator.start();
        google.createSpreadsheet(spreadsheetId);
        smtpPort = TestRelay.freePort();
        smtp = SmtpServer.on(smtpPort);
        smtp.start();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        smtp.stop();
        google.close();
    }

    SheetsEmulator google() {
        return google;
    }

    GreenMail smtp() {
        return smtp;
    }

    int smtpPort() {
        return smtpPort;
    }
}
