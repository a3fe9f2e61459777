package org.moelab.backend.stages;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.moelab.backend.api.Check;
import org.moelab.backend.jobs.Job;

import java.net.URI;

/** The quantization stages of one model: slow ones answer 202 with a job, the allocation dry run answers the plan. */
@Path("/v1/models/{id}")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "stages")
public class StageResource {

    private static final StageRequests.Calibration EMPTY_CALIBRATION = new StageRequests.Calibration(null, null, null, null, null, null,
            null);

    @Inject
    Stages stages;
    @Inject
    PlanningStages planning;
    @Inject
    EvaluationStages evaluation;

    @POST
    @Path("decomposition")
    @Operation(summary = "Job: shared-basis spectral decomposition; result: spectra and per-expert energies")
    public Response decomposition(@PathParam("id") String id, StageRequests.Decomposition body) {
        return accepted(stages.decomposition(id, body == null ? new StageRequests.Decomposition(null, null, null) : body));
    }

    @POST
    @Path("calibration")
    @Operation(summary = "Job: BitsMoE calibration (with the decomposition it needs); result: the coverage report, routed tokens "
            + "per layer and expert, flagged experts")
    public Response calibration(@PathParam("id") String id, StageRequests.Calibration body) {
        return accepted(planning.calibration(id, body == null ? EMPTY_CALIBRATION : body));
    }

    @POST
    @Path("cost")
    @Operation(summary = "Job: BitsMoE cost model (methods.md §1.3); result: coverage and, per layer and projection, the predicted "
            + "cost of each candidate width")
    public Response cost(@PathParam("id") String id, StageRequests.Calibration body) {
        return accepted(planning.cost(id, body == null ? EMPTY_CALIBRATION : body));
    }

    @POST
    @Path("zero-shot")
    @Operation(summary = "Job: zero-shot accuracy on the bundled evaluation sets (lm-evaluation-harness conventions)")
    public Response zeroShot(@PathParam("id") String id, StageRequests.ZeroShot body) {
        return accepted(evaluation.zeroShot(id, Check.body(body)));
    }

    @POST
    @Path("expert-shift")
    @Operation(summary = "Job: expert-shift rate and next-token KL against a reference model (default: an artifact's source)")
    public Response expertShift(@PathParam("id") String id, StageRequests.ExpertShift body) {
        return accepted(evaluation.expertShift(id, body == null ? new StageRequests.ExpertShift(null, null, null, null, null) : body));
    }

    @POST
    @Path("allocation")
    @Operation(summary = "Synchronous dry run: calibration, cost model and bit allocation; returns the plan (no weights written)")
    public PlanView allocation(@PathParam("id") String id, BitsMoeRequest body) {
        return stages.allocation(id, Check.body(body));
    }

    @POST
    @Path("quantization")
    @Operation(summary = "Job: quantization (method bitsmoe, rtn, gptq, routernorm or mobie); the artifact is written under the data dir "
            + "and registered as a model")
    public Response quantization(@PathParam("id") String id, BitsMoeRequest body) {
        return accepted(stages.quantization(id, Check.body(body)));
    }

    @POST
    @Path("ppl")
    @Operation(summary = "Job: perplexity with non-overlapping windows (methods.md §7)")
    public Response perplexity(@PathParam("id") String id, StageRequests.Perplexity body) {
        return accepted(stages.perplexity(id, body == null ? new StageRequests.Perplexity(null, null, null, null) : body));
    }

    static Response accepted(Job job) {
        return Response.accepted(job.view()).location(URI.create("/v1/jobs/" + job.id())).build();
    }
}
