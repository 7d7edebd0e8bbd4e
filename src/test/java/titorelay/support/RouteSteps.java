package titorelay.support;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

import org.apache.camel.CamelContext;
import org.apache.camel.Channel;
import org.apache.camel.DelegateProcessor;
import org.apache.camel.Navigate;
import org.apache.camel.Processor;
import org.apache.camel.processor.errorhandler.RedeliveryErrorHandler;

/** The steps of a running route, as Camel runs them: each in its channel, with the error handler wrapping it (or not). */
public final class RouteSteps {

    /**
     * A step of a route: the registry name of its processor (null for an EIP or a Camel processor), its channel, and
     * whether it is nested in a step that is {@link #retried()} (then a retrying error handler holds two copies of the
     * exchange while it runs).
     */
    public record Step(String name, Channel channel, boolean insideRetried) {
        public boolean wrappedInErrorHandler() {
            return channel.getErrorHandler() != null;
        }

        /** Wrapped in an error handler that retries (and so copies the exchange before the step), not noErrorHandler. */
        public boolean retried() {
            return channel.getErrorHandler() instanceof RedeliveryErrorHandler;
        }
    }

    private RouteSteps() {
    }

    /** Every step of the route, nested ones included. */
    public static List<Step> of(CamelContext context, String routeId) {
        Map<String, Processor> bound = context.getRegistry().findByTypeWithName(Processor.class);
        List<Step> steps = new ArrayList<>();
        channels(context.getRoute(routeId).navigate(), false, (channel, insideRetried) -> {
            Processor step = channel.getNextProcessor() instanceof DelegateProcessor delegate
                    ? delegate.getProcessor() : channel.getNextProcessor();
            String name = bound.entrySet().stream().filter(entry -> entry.getValue() == step)
                    .map(Map.Entry::getKey).findFirst().orElse(null);
            steps.add(new Step(name, channel, insideRetried));
        });
        return steps;
    }

    @SuppressWarnings("unchecked")
    private static void channels(Navigate<Processor> navigate, boolean insideRetried, BiConsumer<Channel, Boolean> each) {
        if (navigate == null || !navigate.hasNext()) {
            return;
        }
        for (Processor processor : navigate.next()) {
            boolean retried = insideRetried;
            if (processor instanceof Channel channel) {
                each.accept(channel, insideRetried);
                retried |= channel.getErrorHandler() instanceof RedeliveryErrorHandler;
            }
            if (processor instanceof Navigate<?> deeper) {
                channels((Navigate<Processor>) deeper, retried, each);
            }
        }
    }
}
