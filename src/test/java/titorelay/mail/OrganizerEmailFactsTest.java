package titorelay.mail;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import titorelay.support.Samples;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The amount an organizer email states, with its currency, from each of Tito's payload shapes. */
class OrganizerEmailFactsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void theAmountNamesItsCurrencyWhereverThePayloadKeepsIt() throws Exception {
        // ticket-v3.1.json: "total_paid": "0.0", and the currency only in its registration ("USD").
        assertEquals("USD 0.0", amount("ticket.voided", "ticket-v3.1.json"));
        // registration-v3.1.json: its own "currency": "USD" and "total": "270.0".
        assertEquals("USD 270.0", amount("registration.cancelled", "registration-v3.1.json"));
    }

    private static String amount(String webhook, String sample) throws Exception {
        return String.valueOf(OrganizerEmailFacts.facts(webhook, JSON.readTree(Samples.bytes(sample))).get("amount"));
    }
}
