package titorelay.deliverylog;

import java.util.Set;

import org.apache.camel.model.ModelLifecycleStrategy;
import org.apache.camel.model.ProcessDefinition;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.RouteTemplateDefinition;

/**
 * Runs the delivery log's steps of routes/ outside their route's error handler, whenever a routes file is loaded
 * (again). A step never fails (each only queues an event), so there is nothing to retry; and dispatch's dead letter
 * channel, which may retry, copies the whole exchange before each step it wraps, so that it can retry from there. YAML
 * cannot say {@code inheritErrorHandler: false} on a step; this is the Java DSL's {@code .inheritErrorHandler(false)}.
 * Camel honours it for a route's own steps only (a step nested in an EIP has the EIP's error handler), which is why
 * the log's steps in routes/dispatch.yaml are not nested.
 */
final class OutsideErrorHandler implements ModelLifecycleStrategy {

    private final Set<String> steps;

    OutsideErrorHandler(Set<String> steps) {
        this.steps = Set.copyOf(steps);
    }

    @Override
    public void onAddRouteDefinition(RouteDefinition route) {
        for (ProcessorDefinition<?> step : route.getOutputs()) {
            if (step instanceof ProcessDefinition process && process.getRef() != null
                && steps.contains(process.getRef())) {
                process.setInheritErrorHandler(false);
            }
        }
    }

    @Override
    public void onRemoveRouteDefinition(RouteDefinition route) {
        // nothing kept
    }

    @Override
    public void onAddRouteTemplateDefinition(RouteTemplateDefinition template) {
        // the relay's routes are not templates
    }

    @Override
    public void onRemoveRouteTemplateDefinition(RouteTemplateDefinition template) {
        // the relay's routes are not templates
    }
}
