package org.moelab.backend.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.jboss.logging.Logger;
import org.moelab.backend.util.FileOps;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Job records as one JSON file per job, each replaced atomically (a crash leaves the old record or the new one). */
public final class JobStore {

    private static final Logger LOG = Logger.getLogger(JobStore.class);

    private final Path dir;
    private final ObjectMapper json;

    public JobStore(Path dir, ObjectMapper json) {
        this.dir = dir;
        this.json = json;
    }

    public void save(JobRecord r) {
        try {
            FileOps.writeAtomically(dir.resolve(r.job().id() + ".json"), json.writeValueAsString(r));
        } catch (IOException e) {
            LOG.warnf("cannot write the record of job %s: %s", r.job().id(), e.getMessage());
        }
    }

    public void delete(String id) {
        try {
            Files.deleteIfExists(dir.resolve(id + ".json"));
        } catch (IOException e) {
            LOG.warnf("cannot delete the record of job %s: %s", id, e.getMessage());
        }
    }

    /** Every readable record; unreadable ones are logged and skipped, temporary files removed. */
    public List<JobRecord> loadAll() {
        List<JobRecord> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                String n = p.getFileName().toString();
                if (n.startsWith(".")) {
                    Files.deleteIfExists(p);
                    continue;
                }
                if (!n.endsWith(".json")) continue;
                try {
                    out.add(json.readValue(p.toFile(), JobRecord.class));
                } catch (IOException | RuntimeException e) {
                    LOG.warnf("skipping unreadable job record %s: %s", p, e.getMessage());
                }
            }
        } catch (IOException e) {
            LOG.warnf("cannot list job records in %s: %s", dir, e.getMessage());
        }
        return out;
    }
}
