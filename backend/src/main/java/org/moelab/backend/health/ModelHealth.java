package org.moelab.backend.health;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;
import org.moelab.backend.models.ModelEntry;
import org.moelab.backend.models.ModelRegistry;

import java.util.Locale;

/** Liveness: the process answers. Readiness: the default model is loaded; the data lists every model's state. */
public final class ModelHealth {

    private ModelHealth() {
    }

    @Liveness
    @ApplicationScoped
    public static class Live implements HealthCheck {
        @Override
        public HealthCheckResponse call() {
            return HealthCheckResponse.up("moelab");
        }
    }

    @Readiness
    @ApplicationScoped
    public static class Ready implements HealthCheck {

        @Inject
        ModelRegistry registry;

        @Override
        public HealthCheckResponse call() {
            HealthCheckResponseBuilder b = HealthCheckResponse.named("models");
            boolean ready = false;
            String def = registry.defaultId();
            for (ModelEntry e : registry.list()) {
                b.withData(e.id(), e.state().name().toLowerCase(Locale.ROOT));
                if (e.id().equals(def) && e.state() == ModelEntry.State.READY) ready = true;
            }
            b.withData("defaultModel", def == null ? "none" : def);
            return b.status(ready).build();
        }
    }
}
