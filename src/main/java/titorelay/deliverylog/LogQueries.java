package titorelay.deliverylog;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import titorelay.inbox.InboxEnvelope;

/**
 * The console's reads of the delivery log, on the console's threads, while the writer writes: lines in key order
 * (newest first, or a time range), filtered as they are read.
 */
final class LogQueries implements DeliveryLogView {

    private final LogStore store;
    private final Path bodies;

    LogQueries(LogStore store, Path bodies) {
        this.store = store;
        this.bodies = bodies;
    }

    @Override
    public List<LoggedDelivery> newestFirst(LogFilter filter, int offset, int limit) {
        List<LoggedDelivery> page = new ArrayList<>();
        int skip = Math.max(0, offset);
        for (StoredLine line : store.newestFirst()) {
            if (page.size() >= limit) {
                break;
            }
            if (line.matches(filter) && skip-- <= 0) {
                page.add(line.toLogged());
            }
        }
        return page;
    }

    @Override
    public long count(LogFilter filter) {
        if (filter.equals(LogFilter.all())) {
            return store.size();
        }
        long count = 0;
        for (StoredLine line : store.newestFirst()) {
            if (line.matches(filter)) {
                count++;
            }
        }
        return count;
    }

    @Override
    public Optional<DeliveryDetails> details(String id) {
        StoredLine stored = store.line(id);
        if (stored == null) {
            return Optional.empty();
        }
        LoggedDelivery line = stored.toLogged();
        Map<String, String> envelope = new LinkedHashMap<>();
        envelope.put(InboxEnvelope.WEBHOOK_NAME, line.webhookName());
        envelope.put(InboxEnvelope.RECEIVED_AT, line.receivedAt() == null ? "" : line.receivedAt().toString());
        envelope.put("Delivery-Key", line.deliveryKey());
        envelope.put("Inbox-Name", line.id());
        Map<String, String> row = Map.of();
        byte[] body = new byte[0];
        Object[] content = store.content(stored.seq());
        if (content != null) {
            try {
                body = BodyFiles.read(bodies, (String) content[0], ((Number) content[1]).longValue(),
                        ((Number) content[2]).intValue());
            } catch (IOException e) {
                throw new IllegalStateException("Cannot read a body of the delivery log: " + e.getMessage(), e);
            }
            row = LogWrites.rowOf(content[3]);
        }
        return Optional.of(new DeliveryDetails(line, envelope, body, store.attempts(id), row));
    }

    @Override
    public Totals since(Instant from) {
        Map<Outcome, Long> byOutcome = new EnumMap<>(Outcome.class);
        long received = 0;
        for (StoredLine line : store.between(LogStore.seqOf(from.toEpochMilli()), Long.MAX_VALUE)) {
            byOutcome.merge(line.outcome(), 1L, Long::sum);
            received++;
        }
        return new Totals(received, byOutcome.getOrDefault(Outcome.DONE, 0L),
                byOutcome.getOrDefault(Outcome.REPEAT, 0L), byOutcome.getOrDefault(Outcome.UNROUTED, 0L),
                byOutcome.getOrDefault(Outcome.FAILED, 0L));
    }

    @Override
    public int[] perMinute(Instant from, int minutes) {
        int[] counts = new int[Math.max(0, minutes)];
        long start = from.toEpochMilli();
        for (StoredLine line : store.between(LogStore.seqOf(start), LogStore.seqOf(start + 60_000L * counts.length))) {
            counts[(int) ((LogStore.receivedMillisOf(line.seq()) - start) / 60_000)]++;
        }
        return counts;
    }

    @Override
    public List<String> webhookNames() {
        return store.webhookNames();
    }
}
