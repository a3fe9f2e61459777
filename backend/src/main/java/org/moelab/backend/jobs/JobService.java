package org.moelab.backend.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;
import org.moelab.Progress;
import org.moelab.backend.api.ApiError;
import org.moelab.backend.api.ApiException;
import org.moelab.backend.api.ErrorMapper;
import org.moelab.backend.config.Locations;
import org.moelab.backend.models.ModelEntry;
import org.moelab.backend.models.ModelRegistry;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Runs slow work as jobs, one heavy job per model at a time (a second gets 409 naming the first). Each job
 * holds a lease on its model, runs on its own thread, persists its record under the data dir at every stage
 * change and when it ends, and stops at the next progress report once cancelled.
 */
@ApplicationScoped
public class JobService {

    private static final Logger LOG = Logger.getLogger(JobService.class);

    /** The work of a job: gets the model lease and a context; returns the result (serialized to JSON). */
    @FunctionalInterface
    public interface Body {
        Object run(ModelRegistry.Lease lease, Context ctx) throws Exception;
    }

    /** What a running job's body can use: progress (which throws CancellationException once cancelled). */
    public static final class Context {
        private final Job job;
        private final Progress progress;

        Context(Job job, Progress progress) {
            this.job = job;
            this.progress = progress;
        }

        public String jobId() {
            return job.id;
        }

        public Progress progress() {
            return progress;
        }

        public void checkCancelled() {
            job.checkCancelled();
        }
    }

    @Inject
    ModelRegistry registry;
    @Inject
    Locations locations;
    @Inject
    ObjectMapper json;

    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private final ExecutorService workers = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().name("moelab-job-", 0).daemon().factory());
    private JobStore store;

    void onStart(@Observes StartupEvent ev) {
        store = new JobStore(locations.jobs(), json);
        for (JobRecord r : store.loadAll()) {
            Job j = Job.restore(r);
            jobs.put(j.id, j);
            if (!r.job().state().equals(j.state().json())) {
                LOG.infof("job %s was %s when the backend stopped: marked failed", j.id, r.job().state());
                store.save(j.record());
            }
        }
    }

    void onStop(@Observes ShutdownEvent ev) {
        jobs.values().forEach(Job::requestCancel);
        workers.shutdownNow();
    }

    /** Claims the model, records the job (202 material) and starts it. */
    public Job submit(String kind, ModelEntry model, Object request, List<Job.StageWeight> stages, Body body) {
        String id = "job-" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String holder = "job " + id + " (" + kind + ")";
        registry.claimHeavy(model, holder);
        ModelRegistry.Lease lease;
        try {
            lease = registry.lease(model.id());
        } catch (RuntimeException e) {
            registry.releaseHeavy(model, holder);
            throw e;
        }
        JsonNode req = json.valueToTree(request);
        Job job = new Job(id, kind, model.id(), req, stages);
        jobs.put(id, job);
        store.save(job.record());
        workers.execute(() -> run(job, lease, holder, body));
        return job;
    }

    private void run(Job job, ModelRegistry.Lease lease, String holder, Body body) {
        job.start();
        store.save(job.record());
        Progress progress = (stage, done, total) -> {
            job.update(stage, done, total);
            if (job.persistDue()) store.save(job.record());
        };
        Job.State end;
        JsonNode result = null;
        ApiError error = null;
        try {
            job.checkCancelled();
            Object r = body.run(lease, new Context(job, progress));
            result = json.valueToTree(r);
            end = Job.State.SUCCEEDED;
        } catch (CancellationException e) {
            end = Job.State.CANCELLED;
            error = ApiError.of("cancelled", "job_cancelled", "job " + job.id + " was cancelled");
        } catch (Throwable t) {
            end = job.cancelRequested() ? Job.State.CANCELLED : Job.State.FAILED;
            error = ErrorMapper.map(t).error();
            if (t instanceof OutOfMemoryError) LOG.errorf(t, "job %s ran out of memory", job.id);
        } finally {
            lease.close();
            registry.releaseHeavy(lease.entry(), holder);
        }
        job.finish(end, result, error);
        store.save(job.record());
        LOG.infof("job %s (%s on %s) %s", job.id, job.kind, job.model, end.json());
    }

    public Job get(String id) {
        Job j = jobs.get(id);
        if (j == null) throw ApiException.notFound("unknown_job", "no job '" + id + "'");
        return j;
    }

    public List<Job> list() {
        return jobs.values().stream().sorted(Comparator.comparing((Job j) -> j.createdAt).reversed()).toList();
    }

    /** The client that followed the job's events went away and asked for the job to end with it. */
    void cancelBecauseClientLeft(Job job) {
        if (job.requestCancel()) {
            LOG.infof("job %s: its events client disconnected (cancelOnDisconnect): cancelling", job.id);
            store.save(job.record());
        }
    }

    /** Cancels a running job (true) or forgets a finished one (false). */
    public boolean cancelOrDelete(String id) {
        Job j = get(id);
        if (j.requestCancel()) {
            store.save(j.record());
            return true;
        }
        jobs.remove(id);
        store.delete(id);
        return false;
    }
}
