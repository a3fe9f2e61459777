package org.moelab.backend.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import org.moelab.backend.api.ApiError;

import java.util.Map;

/**
 * A job as the API shows it.
 *
 * @param state     queued, running, succeeded, failed, cancelled
 * @param stage     the core stage now running (decompose, calibrate, cost model, allocation dp, pack, write, ...)
 * @param done      steps done of {@code total} within that stage
 * @param fraction  of the whole job, in [0, 1], never decreasing
 * @param etaSeconds remaining time estimated from the elapsed time and the fraction (null until it means something)
 * @param seq       increases with every change (SSE events carry it: they arrive in order)
 */
public record JobView(String id, String kind, String model, String state, String stage, long done, long total, double fraction,
                      Double etaSeconds, boolean cancelRequested, String createdAt, String startedAt, String finishedAt,
                      Double elapsedSeconds, ApiError error, JsonNode request, Map<String, String> links, long seq) {
}
