package org.moelab.backend.models;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.moelab.backend.api.Check;
import org.moelab.backend.config.Locations;

import java.net.URI;
import java.util.List;

/** The model registry over HTTP: register (load) a directory, list with memory use, info, unload. */
@Path("/v1/models")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "models")
public class ModelResource {

    @Inject
    ModelRegistry registry;
    @Inject
    Locations locations;

    /**
     * @param path a Hugging Face checkpoint or moelab artifact directory (relative paths are taken from moelab.home)
     * @param id   the id to register it under (default: the directory name)
     * @param wait wait for the load (default true: 201 when loaded); false answers 202 at once
     * @param load load now (default true); false only registers it, and the first request that needs it starts the load
     */
    public record RegisterRequest(String path, String id, @JsonProperty("wait") Boolean waitForLoad, Boolean load) {
    }

    public record JvmMemory(long heapUsedBytes, long heapMaxBytes) {
    }

    public record ModelList(List<ModelView> models, long mappedBytes, long heapBytes, JvmMemory jvm) {
    }

    @GET
    @Operation(summary = "Registered models with their state and memory use")
    public ModelList list() {
        List<ModelView> views = registry.list().stream().map(e -> ModelView.of(e, e.id.equals(registry.defaultId()), false)).toList();
        long mapped = views.stream().filter(v -> v.memory() != null).mapToLong(v -> v.memory().mappedBytes()).sum();
        long heap = views.stream().filter(v -> v.memory() != null).mapToLong(v -> v.memory().heapBytes()).sum();
        Runtime rt = Runtime.getRuntime();
        return new ModelList(views, mapped, heap, new JvmMemory(rt.totalMemory() - rt.freeMemory(), rt.maxMemory()));
    }

    @POST
    @Operation(summary = "Register and load a model directory; the same directory twice returns the existing model")
    public Response register(RegisterRequest body) {
        Check.body(body);
        String path = Check.text("path", body.path());
        if (body.id() != null) Check.name("id", body.id());
        ModelRegistry.Registration r = registry.register(locations.resolve(path), body.id(), "registered");
        ModelEntry e = r.entry();
        URI location = URI.create("/v1/models/" + e.id);
        if (body.load() != null && !body.load()) {
            return Response.status(r.created() ? 201 : 200).location(location).entity(view(e)).build();
        }
        if (body.waitForLoad() != null && !body.waitForLoad()) {
            registry.startLoad(e);
            return Response.status(r.created() ? 202 : 200).location(location).entity(view(e)).build();
        }
        try {
            registry.awaitLoaded(e);
        } catch (RuntimeException ex) {
            if (r.created()) registry.forget(e);
            throw ex;
        }
        return Response.status(r.created() ? 201 : 200).location(location).entity(view(e)).build();
    }

    @GET
    @Path("{id}")
    @Operation(summary = "Architecture, sizes, quantization and memory of one model (503 while it loads)")
    public ModelView info(@PathParam("id") String id) {
        try (ModelRegistry.Lease lease = registry.lease(id)) {
            return ModelView.of(lease.entry(), id.equals(registry.defaultId()), true);
        }
    }

    @DELETE
    @Path("{id}")
    @Operation(summary = "Unload a model and unregister it (artifact files stay on disk)")
    public Response unload(@PathParam("id") String id) {
        registry.unload(id);
        return Response.noContent().build();
    }

    private ModelView view(ModelEntry e) {
        return ModelView.of(e, e.id.equals(registry.defaultId()), false);
    }
}
