package org.moelab.backend.jobs;

import com.fasterxml.jackson.databind.JsonNode;

/** What a job leaves on disk ({@code <data-dir>/jobs/<id>.json}): its last view and, once it succeeded, its result. */
public record JobRecord(JobView job, JsonNode result) {
}
