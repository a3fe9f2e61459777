package org.moelab.backend;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.moelab.backend.api.ApiError;
import org.moelab.backend.jobs.JobRecord;
import org.moelab.backend.jobs.JobStore;
import org.moelab.backend.jobs.JobView;
import org.moelab.backend.util.FileOps;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Plain unit tests (no Quarkus): job records on disk, atomic writes. */
class UnitTest {

    @Test
    void jobRecordsRoundTripAndTemporaryFilesAreCleaned() throws Exception {
        Path dir = Files.createTempDirectory("moelab-jobs-");
        try {
            JobStore store = new JobStore(dir, new ObjectMapper());
            JobView v = new JobView("job-1", "ppl", "m", "succeeded", "done", 1, 1, 1.0, 0.0, false, "2026-01-01T00:00:00Z",
                    "2026-01-01T00:00:01Z", "2026-01-01T00:00:02Z", 1.0, ApiError.of("a", "b", "c"), null, Map.of(), 3);
            store.save(new JobRecord(v, new ObjectMapper().readTree("{\"ppl\": 71.2}")));
            Files.writeString(dir.resolve(".job-2.json.tmp-1-1"), "{half");
            List<JobRecord> all = store.loadAll();
            assertEquals(1, all.size());
            assertEquals("succeeded", all.getFirst().job().state());
            assertEquals(71.2, all.getFirst().result().get("ppl").asDouble());
            assertFalse(Files.exists(dir.resolve(".job-2.json.tmp-1-1")), "temporary files of an interrupted write are removed");
            store.delete("job-1");
            assertTrue(store.loadAll().isEmpty());
        } finally {
            FileOps.deleteTree(dir);
        }
    }

    @Test
    void atomicWriteReplacesWholeFiles() throws Exception {
        Path dir = Files.createTempDirectory("moelab-atomic-");
        try {
            Path f = dir.resolve("x.json");
            FileOps.writeAtomically(f, "one");
            FileOps.writeAtomically(f, "two");
            assertEquals("two", Files.readString(f));
            try (var s = Files.list(dir)) {
                assertEquals(1, s.count(), "no temporary file left");
            }
        } finally {
            FileOps.deleteTree(dir);
        }
    }
}
