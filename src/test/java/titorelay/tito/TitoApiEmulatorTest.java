package titorelay.tito;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The emulator behaves as Tito's documentation and examples say, where the relay depends on it. */
class TitoApiEmulatorTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private TitoApiEmulator tito;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        tito = TitoApiEmulator.start("demo", "emulator-token");
        tito.generate("conf", 250, Instant.parse("2022-03-26T07:36:27Z"));
    }

    @AfterEach
    void stop() {
        tito.close();
    }

    private HttpResponse<String> get(String pathAndQuery, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(tito.apiUrl() + pathAndQuery));
        if (token != null) {
            request.header("Authorization", "Token token=" + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode list(String pathAndQuery) throws Exception {
        HttpResponse<String> answer = get(pathAndQuery, "emulator-token");
        assertEquals(200, answer.statusCode(), answer.body());
        return JSON.readTree(answer.body());
    }

    private static Set<String> states(JsonNode page, String list) {
        Set<String> states = new HashSet<>();
        page.get(list).forEach(record -> states.add(record.get("state").asText()
                                                    + (record.path("release_archived").asBoolean() ? "+archived" : "")));
        return states;
    }

    @Test
    void listsHideVoidArchivedAndCancelledUnlessAskedAndPageAsTitoDoes() throws Exception {
        JsonNode first = list("/demo/conf/tickets");
        assertEquals(100, first.get("tickets").size(), "100 per page by default");
        assertEquals(Set.of("complete", "incomplete", "unassigned"), states(first, "tickets"));
        assertEquals(2, first.get("meta").get("next_page").asInt());

        JsonNode all = list("/demo/conf/tickets?page%5Bsize%5D=5000&search%5Bstates%5D%5B%5D=void"
                            + "&search%5Bstates%5D%5B%5D=complete&search%5Bstates%5D%5B%5D=archived");
        assertEquals(1000, all.get("meta").get("per_page").asInt(), "at most 1000 per page");
        assertTrue(states(all, "tickets").containsAll(Set.of("void", "complete", "complete+archived")));
        assertFalse(states(all, "tickets").contains("incomplete"), "naming states selects exactly those");
        assertTrue(all.get("meta").get("next_page").isNull(), "next_page is null on the last page");

        assertFalse(states(list("/demo/conf/registrations?page%5Bsize%5D=1000"), "registrations").contains("cancelled"));
        assertTrue(states(list("/demo/conf/registrations?page%5Bsize%5D=1000&search%5Bstates%5D%5B%5D=cancelled"),
                "registrations").equals(Set.of("cancelled")));
    }

    @Test
    void expandAndTheUpdatedAtFilter() throws Exception {
        JsonNode plain = list("/demo/conf/tickets?page%5Bsize%5D=1").get("tickets").get(0);
        assertFalse(plain.has("registration") || plain.has("answers"), "no relations unless asked");
        JsonNode expanded = list("/demo/conf/tickets?page%5Bsize%5D=1&expand=registration,answers").get("tickets").get(0);
        assertTrue(expanded.get("registration").get("slug").asText().startsWith("reg_"));
        assertEquals("Where do you live?", expanded.get("answers").get(0).get("question").get("title").asText());

        tito.change("conf", "ti_conf_0", Instant.parse("2026-01-01T10:00:00Z"), java.util.Map.of("name", "Changed"));
        JsonNode changed = list("/demo/conf/tickets?search%5Bupdated_at%5D%5Bgte%5D=2026-01-01T09:00:00%2BUTC");
        assertEquals(1, changed.get("meta").get("total_count").asInt());
        assertEquals("Changed", changed.get("tickets").get(0).get("name").asText());
    }

    @Test
    void errorsComeAsTitosJson() throws Exception {
        HttpResponse<String> noToken = get("/demo/conf/tickets", null);
        assertEquals(401, noToken.statusCode());
        assertEquals(401, JSON.readTree(noToken.body()).get("status").asInt());
        HttpResponse<String> unknown = get("/demo/nope/tickets", "emulator-token");
        assertEquals(404, unknown.statusCode());
        assertTrue(JSON.readTree(unknown.body()).get("message").asText().contains("oken"), unknown.body());
        tito.failNext(1, 429, 7);
        HttpResponse<String> limited = get("/demo/conf/tickets", "emulator-token");
        assertEquals(429, limited.statusCode());
        assertEquals("7", limited.headers().firstValue("Retry-After").orElse(""));
        assertEquals(1, tito.served("/tickets", 429));
        assertEquals(200, get("/demo/conf/tickets", "emulator-token").statusCode());
    }
}
