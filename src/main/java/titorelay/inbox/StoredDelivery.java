package titorelay.inbox;

/** A delivery as the inbox journal keeps it: its name (arrival time first; a dead letter keeps it) and its envelope. */
public record StoredDelivery(String name, byte[] envelope) {

    public InboxEnvelope open() {
        return InboxEnvelope.parse(envelope);
    }
}
