package titorelay.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import titorelay.sheets.SheetsEmulator;
import titorelay.support.Samples;
import titorelay.support.TestRelay;

/**
 * What the person who set the relay up does in the console, in a real Chromium: logs in, sees Tito's webhooks arrive
 * with what each did, filters and opens one, sees a delivery fail into a dead letter, fixes the cause, replays it, and
 * sees its row arrive. Screenshots of each page go to target/console-screenshots/.
 */
class ConsoleBrowserTest {

    private static final String PASSWORD = "a console password";
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String SPREADSHEET = "console-test-sheet";
    private static final String XSS_NAME = "<script>alert('x')</script><img src=x onerror=alert('y')>";

    @TempDir
    Path work;

    private SheetsEmulator google;
    private TestRelay relay;
    private ChromeDriver browser;
    private String console;

    @BeforeEach
    void start() throws Exception {
        Path data = Files.createDirectories(work.resolve("data"));
        google = SheetsEmulator.start();
        google.createSpreadsheet(SPREADSHEET);
        Map<String, String> settings = new HashMap<>(Map.of("sheets.spreadsheet-id", SPREADSHEET,
                "sheets.root-url", google.rootUrl(), "sheets.access-token", "emulator-access-token"));
        settings.put("relay.console.password", PASSWORD);
        settings.put("relay.dispatch.max-redeliveries", "1");
        relay = TestRelay.start(data, settings);
        console = "http://127.0.0.1:" + relay.managementPort() + "/console";
        browser = Chromium.start(Files.createDirectories(work.resolve("chromium-profile")));
    }

    @AfterEach
    void stop() throws Exception {
        try {
            if (browser != null) {
                browser.quit();
            }
        } finally {
            try {
                relay.close();
            } finally {
                google.close();
            }
        }
    }

    @Test
    void anOrganizerSeesEachDeliveryAndReplaysADeadLetterAfterFixingItsCause() throws Exception {
        // Not logged in: any page leads to the login.
        browser.get(console + "/deliveries");
        assertTrue(browser.getCurrentUrl().endsWith("/console/login"), browser.getCurrentUrl());
        Chromium.screenshot(browser, "1-login");
        browser.findElement(By.id("password")).sendKeys(PASSWORD);
        browser.findElement(By.id("login")).click();
        assertEquals("Overview", browser.findElement(By.tagName("h1")).getText());

        // Tito's webhooks: a voided ticket (an email and a row), a ticket, a check-in, an attendee whose name is
        // markup, a repeat, and a name nobody routes.
        assertEquals(202, relay.send("ticket.voided", Samples.bytes("ticket-v3.1.json")).status());
        byte[] ticket = Samples.bytes("ticket-basic.json");
        assertEquals(202, relay.send("ticket.updated", ticket).status());
        assertEquals(202, relay.send("checkin.created", Samples.bytes("checkin.json")).status());
        assertEquals(202, relay.send("ticket.created", ticketNamed(XSS_NAME)).status());
        assertEquals(202, relay.send("ticket.updated", ticket).status());
        assertEquals(202, relay.send("ticket.teleported", ticket).status());

        browser.get(console + "/deliveries");
        awaitRows("six deliveries with their outcomes", () -> outcomes().size() == 6 && !outcomes().contains("pending"));
        assertEquals(List.of("unrouted", "repeat", "done", "done", "done", "done"), outcomes(), "newest first");
        String voided = browser.findElements(By.cssSelector("#deliveries tbody tr")).get(5).getText();
        assertTrue(voided.contains("organizer-email: email sent") && voided.contains("spreadsheet: row written"), voided);
        Chromium.screenshot(browser, "2-deliveries");

        // Markup in a payload shows as text, and runs nothing.
        assertTrue(browser.findElements(By.cssSelector("td.person")).stream()
                .anyMatch(cell -> cell.getText().equals(XSS_NAME)), "the name, as text");
        assertThrows(NoAlertPresentException.class, () -> browser.switchTo().alert());
        assertFalse(browser.getPageSource().contains("<script>alert"), "never as markup");

        // Filters: by outcome, by name, by text.
        new Select(browser.findElement(By.id("filter-outcome"))).selectByValue("repeat");
        filter();
        assertEquals(List.of("repeat"), outcomes());
        new Select(browser.findElement(By.id("filter-outcome"))).selectByValue("");
        new Select(browser.findElement(By.id("filter-name"))).selectByValue("checkin.created");
        filter();
        assertEquals(List.of("done"), outcomes());
        new Select(browser.findElement(By.id("filter-name"))).selectByValue("");
        browser.findElement(By.id("filter-text")).sendKeys("WINTER@example.com");
        filter();
        assertEquals(List.of("unrouted", "repeat", "done"), outcomes(), "Peter Winter's ticket, by his email");

        // One delivery: its body, pretty-printed, and the row it wrote.
        browser.findElements(By.cssSelector("#deliveries tbody a")).get(2).click();
        assertEquals("done", browser.findElement(By.id("outcome")).getText());
        assertTrue(browser.findElement(By.id("body")).getText().contains("\"reference\" : \"1i5nfwf2t\""));
        assertTrue(browser.findElement(By.id("row")).getText().contains("1i5nfwf2t24"), "the row it produced");
        Chromium.screenshot(browser, "3-delivery");

        // The spreadsheet is no longer shared with the relay (Google answers 403): a registration fails every retry.
        google.denyAccess(SPREADSHEET, true);
        assertEquals(202, relay.send("registration.finished", Samples.bytes("registration-v3.1.json")).status());
        TestRelay.await("the dead letter", PATIENCE, () -> relay.deadLetters().size() == 1);
        assertTrue(google.answered(403) > 0, "Google's emulator refused the relay");
        browser.get(console);
        assertEquals("1 dead letter(s)", browser.findElement(By.id("dead-letter-count")).getText());
        String health = browser.findElement(By.id("health")).getText();
        assertTrue(health.contains("spreadsheet DOWN") && health.contains("share"), "what to fix: " + health);
        for (String check : List.of("inbox UP", "organizer-email UP", "dead-letters")) {
            assertTrue(health.contains(check), "every sink's health: " + health);
        }
        Chromium.screenshot(browser, "4-overview");
        browser.get(console + "/deliveries?outcome=failed");
        assertEquals(List.of("failed"), outcomes());
        assertTrue(browser.findElement(By.cssSelector("#deliveries .failure")).getText().contains("spreadsheet"));

        // A replay whose form lost its CSRF token is refused, and replays nothing.
        browser.get(console + "/dead-letters");
        Chromium.screenshot(browser, "5-dead-letters");
        browser.findElement(By.id("replay-all")).click();
        ((JavascriptExecutor) browser).executeScript(
                "document.querySelector('form[action=\"/console/replay\"] input[name=csrf]').remove()");
        browser.findElement(By.id("confirm-replay")).click();
        assertTrue(answerPage("refused").getText().contains("CSRF token is missing or wrong"));
        assertEquals(1, relay.deadLetters().size(), "still a dead letter");

        // Shared again, then replayed from the delivery's own page: the row arrives and the log says done.
        google.denyAccess(SPREADSHEET, false);
        browser.get(console + "/deliveries?outcome=failed");
        browser.findElement(By.cssSelector("#deliveries tbody a")).click();
        String deliveryPage = browser.getCurrentUrl();
        assertTrue(browser.findElement(By.id("attempts")).getText().contains("spreadsheet"), "each failed attempt");
        browser.findElement(By.id("replay")).click();
        browser.findElement(By.id("confirm-replay")).click();
        assertTrue(answerPage("replayed").getText().startsWith("Replayed 1 dead letter(s)"));
        TestRelay.await("the registration's row", PATIENCE, () -> google.tabs(SPREADSHEET)
                .contains("Registrations") && google.grid(SPREADSHEET, "Registrations").stream()
                .anyMatch(row -> row.contains("9K9R")));
        browser.get(deliveryPage);
        awaitRows("the replayed delivery done", () -> browser.findElement(By.id("outcome")).getText().equals("done"));
        assertTrue(browser.findElement(By.id("row")).getText().contains("9K9R"));
        Chromium.screenshot(browser, "6-replayed");
        browser.get(console + "/deliveries");
        Chromium.screenshot(browser, "7-deliveries-after-replay");
    }

    /** Submits the filters and waits for the page they lead to. */
    private void filter() {
        WebElement before = browser.findElement(By.id("deliveries"));
        browser.findElement(By.id("filter")).click();
        new WebDriverWait(browser, PATIENCE).until(ExpectedConditions.stalenessOf(before));
    }

    /** The element of the page a form's submission leads to, once that page has loaded (a click does not wait). */
    private WebElement answerPage(String elementId) {
        return new WebDriverWait(browser, PATIENCE).until(ExpectedConditions.presenceOfElementLocated(By.id(elementId)));
    }

    /** The outcomes column of the delivery log page, top to bottom. */
    private List<String> outcomes() {
        return browser.findElements(By.cssSelector("#deliveries td.outcome")).stream().map(WebElement::getText).toList();
    }

    /** Reloads the page until the condition holds (the log is written in batches, a fraction of a second later). */
    private void awaitRows(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        TestRelay.await(what, PATIENCE, () -> {
            browser.navigate().refresh();
            return condition.getAsBoolean();
        });
    }

    private static byte[] ticketNamed(String name) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode ticket = (ObjectNode) json.readTree(Samples.bytes("ticket-basic.json"));
        ticket.put("name", name);
        ticket.put("slug", "ti_markup");
        ticket.put("reference", "MARKUP");
        ticket.put("email", "markup@example.com");
        return json.writeValueAsBytes(ticket);
    }
}
