package titorelay;

import org.apache.camel.support.SimpleEventNotifierSupport;

/**
 * An event notifier for the context's own events only (starting, started, stopping, stopped). While any notifier
 * wants exchange events, Camel makes an event object for every exchange and for every step it sends, and hands each
 * to every notifier: about a twentieth of dispatch's CPU, for notifiers that only look at the context's start and
 * stop. When none wants them, Camel makes none.
 */
public abstract class ContextEvents extends SimpleEventNotifierSupport {

    protected ContextEvents() {
        setIgnoreExchangeEvents(true);
        setIgnoreRouteEvents(true);
        setIgnoreServiceEvents(true);
        setIgnoreStepEvents(true);
    }
}
