package dev.livehub.hub.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns {@link HubDependencyMissingException}, wherever in the start it surfaces, into Spring Boot's "APPLICATION FAILED
 * TO START" report with the dependency to add, instead of a stack trace.
 */
class HubDependencyFailureAnalyzer extends AbstractFailureAnalyzer<HubDependencyMissingException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, HubDependencyMissingException cause) {
        return new FailureAnalysis(cause.getMessage(), "Add the dependency named above, or change the hub property "
                + "that asks for it.", cause);
    }
}
