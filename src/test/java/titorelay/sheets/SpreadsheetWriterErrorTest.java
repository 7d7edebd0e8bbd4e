package titorelay.sheets;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import titorelay.inbox.SinkFailedException;
import titorelay.support.TestRelay;
import titorelay.support.Tickets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An {@link Error} in the spreadsheet writer (here one write that fails with a LinkageError) does not end its thread
 * silently: the waiting webhook goes back to dispatch, health is DOWN, and the next webhook is written.
 */
class SpreadsheetWriterErrorTest {

    @Test
    void anErrorInTheWriterFailsTheBatchTurnsHealthDownAndTheWriterGoesOn() throws Exception {
        InMemorySpreadsheet memory = new InMemorySpreadsheet();
        AtomicBoolean failNextWrite = new AtomicBoolean(true);
        Spreadsheet faulty = new Spreadsheet() {
            public List<String> tabs() throws IOException {
                return memory.tabs();
            }

            public void addTabs(List<String> titles) throws IOException {
                memory.addTabs(titles);
            }

            public List<List<List<String>>> read(List<SheetRange> ranges) throws IOException {
                return memory.read(ranges);
            }

            public void write(List<CellRange> ranges) throws IOException {
                if (failNextWrite.getAndSet(false)) {
                    throw new LinkageError("injected into the writer");
                }
                memory.write(ranges);
            }

            public String describe() {
                return memory.describe();
            }
        };
        SpreadsheetSink sink = new SpreadsheetSink(SheetColumns.load(Path.of("sheet-columns.yaml")), faulty, 10, 1000, 100);
        SpreadsheetHealthCheck health = new SpreadsheetHealthCheck(sink);
        try (DefaultCamelContext camel = new DefaultCamelContext()) {
            health.setCamelContext(camel);
            sink.start();
            try {
                Exchange first = deliver(camel, sink, "ti_first");
                assertInstanceOf(SinkFailedException.class, first.getException(), "the failed batch goes back to dispatch");
                assertEquals(HealthCheck.State.DOWN, health.call().getState());
                assertTrue(health.call().getMessage().orElse("").contains("injected into the writer"));

                Exchange second = deliver(camel, sink, "ti_second");
                assertNull(second.getException(), "the writer is still there and writes the next webhook");
                assertTrue(memory.tab("Tickets").stream().anyMatch(row -> row.contains("ti_second")));
                // (The writer says it is well again just after completing the webhooks it wrote.)
                TestRelay.await("health to be UP again", Duration.ofSeconds(5),
                        () -> health.call().getState() == HealthCheck.State.UP);
            } finally {
                sink.stop();
            }
        }
    }

    /** A ticket webhook through the sink's processor, as routes/spreadsheet.yaml sends it; returns when it is done. */
    private static Exchange deliver(DefaultCamelContext camel, SpreadsheetSink sink, String slug) throws Exception {
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setHeader("X-Webhook-Name", "ticket.updated");
        exchange.getMessage().setBody(new ObjectMapper().readValue(
                Tickets.ticket(slug, "complete", "Person", "2022-03-26 08:00:00 UTC"), Map.class));
        CompletableFuture<Void> done = new CompletableFuture<>();
        sink.processor().process(exchange, sync -> done.complete(null));
        done.get(10, TimeUnit.SECONDS);
        return exchange;
    }
}
