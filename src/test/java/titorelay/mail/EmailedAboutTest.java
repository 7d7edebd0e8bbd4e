package titorelay.mail;

import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePropertyKey;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.processor.idempotent.MemoryIdempotentRepository;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import titorelay.Headers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the organizers were emailed about, noted for a registration's cancellation: the registration and its tickets. */
class EmailedAboutTest {

    private static final String CANCELLED = "registration.cancelled reg_a";
    private static final Set<String> EVERYTHING = Set.of(CANCELLED, "ticket.voided ti_0", "ticket.voided ti_1",
            "ticket.voided ti_2", "ticket.voided ti_3");

    private final DefaultCamelContext camel = new DefaultCamelContext();

    /** Notes in memory; with a kill set, the process "dies" (an Error out of the note) at that add, noting nothing more. */
    private static final class Notes extends MemoryIdempotentRepository {
        final Set<String> keys = new TreeSet<>();
        int killAtAdd = -1;
        int adds;

        @Override
        public synchronized boolean add(String key) {
            if (++adds == killAtAdd) {
                throw new Error("SIGKILL");
            }
            return keys.add(key);
        }

        @Override
        public synchronized boolean contains(String key) {
            return keys.contains(key);
        }

        @Override
        public synchronized boolean remove(String key) {
            return keys.remove(key);
        }
    }

    @AfterEach
    void stop() throws Exception {
        camel.close();
    }

    private Exchange cancellation() throws Exception {
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setHeader(Headers.EMAIL_ABOUT, CANCELLED);
        exchange.getMessage().setBody(new ObjectMapper().readTree(
                "{\"slug\":\"reg_a\",\"tickets\":[{\"slug\":\"ti_0\"},{\"slug\":\"ti_1\"},{\"slug\":\"ti_2\"},{\"slug\":\"ti_3\"}]}"));
        return exchange;
    }

    @Test
    void aCancellationNotesTheRegistrationAndEachOfItsTickets() throws Exception {
        Notes notes = new Notes();
        Exchange exchange = cancellation();
        new EmailedAbout(notes).note().process(exchange);
        assertEquals(new TreeSet<>(EVERYTHING), notes.keys);
        assertNull(exchange.getProperty(ExchangePropertyKey.DUPLICATE_MESSAGE));

        Exchange repeat = cancellation();
        new EmailedAbout(notes).note().process(repeat);
        assertEquals(Boolean.TRUE, repeat.getProperty(ExchangePropertyKey.DUPLICATE_MESSAGE), "a repeat");
    }

    @Test
    void aRelayKilledBetweenTwoNotesLeavesTheDeliveryToNoteTheRestWhenTakenAgain() throws Exception {
        for (int kill = 1; kill <= EVERYTHING.size(); kill++) {
            Notes notes = new Notes();
            notes.killAtAdd = kill;
            assertThrows(Error.class, () -> new EmailedAbout(notes).note().process(cancellation()), "killed at add " + kill);
            assertTrue(notes.keys.size() < EVERYTHING.size(), "the kill landed before the last note: " + notes.keys);

            notes.killAtAdd = -1; // the next relay takes the delivery again
            Exchange again = cancellation();
            new EmailedAbout(notes).note().process(again);
            assertNull(again.getProperty(ExchangePropertyKey.DUPLICATE_MESSAGE), "not a repeat after a kill at add " + kill);
            assertEquals(new TreeSet<>(EVERYTHING), notes.keys, "after a kill at add " + kill);
        }
    }
}
