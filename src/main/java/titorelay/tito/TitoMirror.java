package titorelay.tito;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.camel.AsyncProducer;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.service.ServiceHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import titorelay.Headers;

/**
 * One pass of the mirror, run by routes/tito-api.yaml's timer. For each configured event: at its first start a
 * backfill pages through every ticket and registration (every state), resuming after the last page that reached the
 * sheet; once that is done, each later pass asks only for what changed since the last successful one (updated_at at
 * or after its start, less an overlap). Each page's records go to {@code direct:tito-api-record} all at once, and the
 * next page is asked for only once every one of them is written (so memory holds one page), then the progress is
 * kept on disk. A failed pass changes no progress: the next interval does it again.
 */
public final class TitoMirror implements Processor {

    private static final Logger LOG = LoggerFactory.getLogger(TitoMirror.class);
    private static final int PAGE_SIZE = 1000; // Tito's largest
    private static final DateTimeFormatter SEARCH_TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'+UTC'").withZone(ZoneOffset.UTC);

    private static final java.util.Set<String> EXPANDED_REGISTRATION =
            java.util.Set.of("id", "slug", "reference", "name", "email", "state", "paid", "total");


    private final CamelContext camelContext;
    private final TitoApiSettings settings;
    private final TitoApiClient client;
    private final MirrorProgress progress;
    private final Duration overlap;
    private final String recordUri;
    private final Clock clock = Clock.systemUTC();
    private final Map<RecordKind, AtomicLong> fetched = Map.of(RecordKind.TICKETS, new AtomicLong(),
            RecordKind.REGISTRATIONS, new AtomicLong());
    private final AtomicLong lastSuccess = new AtomicLong();
    private final AtomicReference<String> problem = new AtomicReference<>();
    private AsyncProducer producer;

    TitoMirror(CamelContext camelContext, TitoApiSettings settings, TitoApiClient client, MirrorProgress progress,
            Duration overlap, String recordUri) {
        this.camelContext = camelContext;
        this.settings = settings;
        this.client = client;
        this.progress = progress;
        this.overlap = overlap;
        this.recordUri = recordUri;
    }

    /** What is wrong with the settings (Tito answered 401 or 404), naming the one to fix; null if nothing is. */
    public String problem() {
        return problem.get();
    }

    public long fetched(RecordKind kind) {
        return fetched.get(kind).get();
    }

    /** When a pass last succeeded for every event (epoch seconds; 0: never since the start). */
    public long lastSuccess() {
        return lastSuccess.get();
    }

    /**
     * Runs the pass on a thread of its own, the timer's waiting for it: the records' exchanges must not be queued
     * behind the timer's exchange on the thread that runs it (Camel's reactive executor would run them only after it).
     */
    @Override
    public void process(Exchange timer) throws Exception {
        ExecutorService thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "tito-api-pass"));
        try {
            thread.submit(() -> {
                pass();
                return null;
            }).get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        } finally {
            thread.shutdownNow();
        }
    }

    private synchronized void pass() throws InterruptedException {
        String settingProblem = null;
        boolean allDone = true;
        for (String event : settings.events()) {
            try {
                if (!progress.backfillDone(event)) {
                    backfill(event);
                } else {
                    reconcile(event);
                }
            } catch (TitoApiException e) {
                allDone = false;
                if (e.settingToFix() != null) {
                    settingProblem = e.getMessage();
                    LOG.error("{}. Webhooks are still received and dispatched; the mirror tries again at the next pass.",
                            e.getMessage());
                } else {
                    LOG.warn("The pass over event {} failed ({}); nothing of it is counted as done, and the next pass"
                             + " does it again", event, e.getMessage());
                }
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                allDone = false;
                LOG.warn("The pass over event {} failed ({}); nothing of it is counted as done, and the next pass does"
                         + " it again", event, e.toString());
            }
        }
        problem.set(settingProblem);
        if (allDone) {
            lastSuccess.set(clock.instant().getEpochSecond());
        }
    }

    private void backfill(String event) throws Exception {
        Instant started = progress.backfillStarted(event, clock.instant());
        for (RecordKind kind : RecordKind.values()) {
            if (progress.listDone(event, kind)) {
                continue;
            }
            int from = progress.lastPage(event, kind) + 1;
            LOG.info("Backfill of event {}: {} from page {} ({} per page)", event, kind.path, from, PAGE_SIZE);
            pages(event, kind, List.of(), from, "backfill");
            progress.markListDone(event, kind);
        }
        // Whatever changed while the backfill ran is fetched by the next pass.
        progress.reconciledUntil(event, started);
        LOG.info("Backfill of event {} done", event);
    }

    private void reconcile(String event) throws Exception {
        Instant started = clock.instant();
        String since = SEARCH_TIME.format(progress.reconciledUntil(event).minus(overlap));
        long before = fetched(RecordKind.TICKETS) + fetched(RecordKind.REGISTRATIONS);
        for (RecordKind kind : RecordKind.values()) {
            pages(event, kind, List.of(Map.entry("search[updated_at][gte]", since)), 1, "reconcile");
        }
        progress.reconciledUntil(event, started);
        LOG.info("Reconciled event {}: {} record(s) changed since {}", event,
                fetched(RecordKind.TICKETS) + fetched(RecordKind.REGISTRATIONS) - before, since);
    }

    /**
     * Every page of a list from page {@code from} on, in creation order (a record changed meanwhile keeps its place;
     * one created meanwhile comes last). A page counts as done once its rows are in the sheet, and only then is the
     * next one fetched: one page is held in memory. (Fetching the next page while one is written was measured: no
     * faster on this machine's noise, and more memory.)
     * <p>
     * Tito sorts by created_at alone, and the tickets of an order are created in the same second: their order among
     * themselves may differ from one page's request to the next, so a group of them split by a page boundary can be
     * partly served twice and partly never. Where the last record of a page and the first of the next were created in
     * the same second, that second is listed whole ({@link #listWholeSecond}) before the page counts as done.
     */
    private void pages(String event, RecordKind kind, List<Map.Entry<String, String>> filters, int from, String foundBy)
            throws Exception {
        int sent = (from - 1) * PAGE_SIZE;
        // The second in which the last record of the page before was created; on a resume, as kept with that page.
        Instant endBefore = from > 1 ? progress.lastPageEnd(event, kind) : null;
        boolean endBeforeUnknown = from > 1 && endBefore == null; // kept by an older version, or a record without one
        Instant listedWhole = null;
        for (int number = from; ; number++) {
            Page page = fetch(event, kind, filters, number);
            toSheet(event, kind, page, foundBy);
            awaitWritten(event, page);
            Instant start = page.records.isEmpty() ? null : createdSecond(page.records.get(0));
            if (start != null && !start.equals(listedWhole) && (endBeforeUnknown || start.equals(endBefore))) {
                listWholeSecond(event, kind, filters, start, number, foundBy);
                listedWhole = start;
            }
            endBeforeUnknown = false;
            endBefore = page.records.isEmpty() ? null : createdSecond(page.records.get(page.records.size() - 1));
            if ("backfill".equals(foundBy)) {
                progress.pageDone(event, kind, page.number, endBefore);
            }
            sent += page.records.size();
            LOG.info("Tito API {} of event {}: {} page {}, {} of {} record(s)", foundBy, event, kind.path, number,
                    sent, page.totalCount);
            if (page.last) {
                return;
            }
        }
    }

    /**
     * Every record of the list created within one second, into the sheet: one page of them is the whole of them in
     * whatever order, so up to 1,000 take one request. More (an import can create that many in a second) are listed
     * state by state, each state's a list of its own; a state with more than 1,000 in that second cannot be listed
     * whole, and says so.
     */
    private void listWholeSecond(String event, RecordKind kind, List<Map.Entry<String, String>> filters, Instant second,
            int page, String foundBy) throws Exception {
        List<Map.Entry<String, String>> within = new ArrayList<>(filters);
        within.add(Map.entry("search[created_at][gte]", SEARCH_TIME.format(second)));
        within.add(Map.entry("search[created_at][lt]", SEARCH_TIME.format(second.plusSeconds(1))));
        Page all = fetch(event, kind, within, kind.states, 1);
        toSheet(event, kind, all, foundBy);
        awaitWritten(event, all);
        String split = "pages " + (page - 1) + " and " + page + " of " + kind.path + " split the records created in the"
                       + " second " + second;
        if (all.last) {
            LOG.info("Tito API {} of event {}: {}: listed its {} record(s) whole", foundBy, event, split,
                    all.records.size());
            return;
        }
        List<String> tooMany = new ArrayList<>();
        for (String state : kind.states) {
            for (int number = 1; ; number++) {
                Page part = fetch(event, kind, within, List.of(state), number);
                toSheet(event, kind, part, foundBy);
                awaitWritten(event, part);
                if (part.last) {
                    if (number > 1) {
                        tooMany.add(part.totalCount + " " + state);
                    }
                    break;
                }
            }
        }
        if (tooMany.isEmpty()) {
            LOG.info("Tito API {} of event {}: {}: listed its {} record(s) whole, state by state", foundBy, event,
                    split, all.totalCount);
        } else {
            LOG.warn("Tito API {} of event {}: {}: more than {} of one state were created in that second ({}), and"
                     + " Tito's order among them may change from page to page: one never served is written when it"
                     + " next changes (webhook or reconcile)", foundBy, event, split, PAGE_SIZE,
                    String.join(", ", tooMany));
        }
    }

    /** The second in which a record was created, from its created_at; null if it has none Tito's form allows. */
    private static Instant createdSecond(Map<String, Object> record) {
        if (!(record.get("created_at") instanceof String created)) {
            return null;
        }
        try {
            return DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(created, Instant::from).truncatedTo(ChronoUnit.SECONDS);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** One page of a list, and the state of writing its rows. */
    private static final class Page {
        final int number;
        final List<Map<String, Object>> records;
        final Object totalCount;
        final boolean last;
        CountDownLatch written;
        final AtomicReference<Exception> failure = new AtomicReference<>();

        Page(int number, List<Map<String, Object>> records, Object totalCount, boolean last) {
            this.number = number;
            this.records = records;
            this.totalCount = totalCount;
            this.last = last;
        }
    }

    @SuppressWarnings("unchecked")
    private Page fetch(String event, RecordKind kind, List<Map.Entry<String, String>> filters, int page)
            throws Exception {
        return fetch(event, kind, filters, kind.states, page);
    }

    private Page fetch(String event, RecordKind kind, List<Map.Entry<String, String>> filters, List<String> states,
            int page) throws Exception {
        List<Map.Entry<String, String>> parameters = new ArrayList<>(filters);
        states.forEach(state -> parameters.add(Map.entry("search[states][]", state)));
        if (kind.expand != null) {
            parameters.add(Map.entry("expand", kind.expand));
        }
        parameters.add(Map.entry("search[sort]", "created_at"));
        parameters.add(Map.entry("search[direction]", "asc"));
        parameters.add(Map.entry("page[size]", String.valueOf(PAGE_SIZE)));
        parameters.add(Map.entry("page[number]", String.valueOf(page)));
        Map<String, Object> answer = client.getPage(event, kind.path, parameters);
        List<Map<String, Object>> records = answer.get(kind.path) instanceof List<?> list
                ? (List<Map<String, Object>>) list : List.of();
        Map<?, ?> meta = answer.get("meta") instanceof Map<?, ?> map ? map : Map.of();
        fetched.get(kind).addAndGet(records.size());
        return new Page(page, records, meta.get("total_count"), meta.get("next_page") == null || records.isEmpty());
    }

    /** Sends a page's records at once; the sink writes them in its next flush. */
    private void toSheet(String event, RecordKind kind, Page page, String foundBy) throws Exception {
        if (producer == null) {
            producer = camelContext.getEndpoint(recordUri).createAsyncProducer();
            ServiceHelper.startService(producer);
        }
        page.written = new CountDownLatch(page.records.size());
        for (Map<String, Object> record : page.records) {
            record.putIfAbsent("event", Map.of("slug", event)); // what the webhooks' event.slug gives
            if (record.get("registration") instanceof Map<?, ?> registration) {
                // As in a ticket webhook: who bought it, not the whole order, which each ticket would otherwise carry.
                Map<Object, Object> brief = new java.util.LinkedHashMap<>(registration);
                brief.keySet().retainAll(EXPANDED_REGISTRATION);
                record.put("registration", brief);
            }
            Exchange exchange = new DefaultExchange(camelContext);
            exchange.getMessage().setHeader(Headers.WEBHOOK_NAME, kind.webhookName);
            exchange.getMessage().setHeader(Headers.FOUND_BY, foundBy);
            exchange.getMessage().setHeader(Headers.API_EVENT, event);
            exchange.getMessage().setBody(record);
            producer.process(exchange, doneSync -> {
                if (exchange.getException() != null) {
                    page.failure.compareAndSet(null, exchange.getException());
                }
                page.written.countDown();
            });
        }
    }

    /** Waits until every row of the page is written. */
    private void awaitWritten(String event, Page page) throws Exception {
        while (!page.written.await(1, TimeUnit.SECONDS)) {
            if (!camelContext.getStatus().isStarted()) {
                throw new IllegalStateException("the relay is stopping");
            }
        }
        if (page.failure.get() != null) {
            throw new IllegalStateException("a row of event " + event + " could not be written: "
                                            + page.failure.get().getMessage(), page.failure.get());
        }
    }
}
