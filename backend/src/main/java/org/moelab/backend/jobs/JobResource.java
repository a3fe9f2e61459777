package org.moelab.backend.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.http.HttpServerResponse;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.moelab.backend.api.ApiException;
import org.moelab.backend.config.MoelabConfig;

import java.util.List;
import java.util.Map;

/** Jobs: status, SSE progress, result, cancel. */
@Path("/v1/jobs")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "jobs")
public class JobResource {

    @Inject
    JobService jobs;
    @Inject
    MoelabConfig config;
    @Inject
    SseSupport sseSupport;

    @GET
    @Operation(summary = "All jobs, newest first (finished ones included, until deleted)")
    public Map<String, List<JobView>> list() {
        return Map.of("jobs", jobs.list().stream().map(Job::view).toList());
    }

    @GET
    @Path("{id}")
    @Operation(summary = "Status of a job: state, stage, fraction, ETA")
    public JobView get(@PathParam("id") String id) {
        return jobs.get(id).view();
    }

    @GET
    @Path("{id}/result")
    @Operation(summary = "The result of a succeeded job (409 while it runs or when it failed)")
    public JsonNode result(@PathParam("id") String id) {
        Job j = jobs.get(id);
        JobView v = j.view();
        return switch (j.state()) {
            case SUCCEEDED -> j.result();
            case FAILED, CANCELLED -> throw ApiException.conflict("job_" + v.state(), "job " + id + " " + v.state() + ": "
                    + (v.error() == null ? "" : v.error().message()));
            default -> throw ApiException.conflict("job_not_finished", "job " + id + " is " + v.state() + " (stage " + v.stage()
                    + ", " + Math.round(100 * v.fraction()) + "%); follow GET /v1/jobs/" + id + "/events");
        };
    }

    @DELETE
    @Path("{id}")
    @Operation(summary = "Cancel a running job (202; it stops at the next layer or step) or delete a finished one (204)")
    public Response cancel(@PathParam("id") String id) {
        if (jobs.cancelOrDelete(id)) return Response.accepted(jobs.get(id).view()).build();
        return Response.noContent().build();
    }

    @GET
    @Path("{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "Progress as server-sent events: status at once, progress, heartbeat, then done or error. With "
            + "cancelOnDisconnect=true (default: moelab.cancel-on-disconnect) a client that goes away before the job ends cancels it "
            + "(noticed at the next event or heartbeat)")
    public void events(@PathParam("id") String id, @QueryParam("cancelOnDisconnect") Boolean cancelOnDisconnect,
                       @Context SseEventSink sink, @Context Sse sse, @Context HttpServerResponse response) {
        Job job = jobs.get(id);
        boolean cancel = cancelOnDisconnect != null ? cancelOnDisconnect : config.cancelOnDisconnect();
        sseSupport.followJob(job, sink, sse, response, config.sseHeartbeat().toMillis(), () -> {
            if (cancel) jobs.cancelBecauseClientLeft(job);
        });
    }
}
