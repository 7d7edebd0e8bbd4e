package titorelay.inbox;

/**
 * A sink's failure, naming the sink: the sinks of routes/routing.yaml each run even if one before them failed, and
 * the spreadsheet fails its webhooks later, from its writer thread, so the last endpoint called is not necessarily
 * the one that failed, and a dead letter must say which one did.
 */
public class SinkFailedException extends Exception {

    private final String sink;

    public SinkFailedException(String sink, Throwable cause) {
        super(cause.getMessage(), cause);
        this.sink = sink;
    }

    public String sink() {
        return sink;
    }

    /** The sink named by the first SinkFailedException in the chain, or null. */
    public static String sinkOf(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SinkFailedException named) {
                return named.sink();
            }
        }
        return null;
    }
}
