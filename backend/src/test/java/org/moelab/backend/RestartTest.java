package org.moelab.backend;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.moelab.backend.util.FileOps;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * What a restart finds in the data dir: artifacts, BitsMoE and dequantized RTN (re-registered, loaded on first use with
 * 503 + Retry-After until then), the record of a job that was running (marked failed), and a half-written artifact (removed).
 */
@QuarkusTest
@TestProfile(RestartTest.PreparedDataDir.class)
class RestartTest {

    static final Path DATA = prepare();

    public static class PreparedDataDir implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("moelab.data-dir", DATA.toString());
        }
    }

    /** A data dir as a backend would leave it, written before the app starts. */
    static Path prepare() {
        // the profile and the test instance may see this class through different class loaders: prepare once per JVM
        synchronized (System.class) {
            String done = System.getProperty("moelab.test.restart-data");
            if (done != null) return Path.of(done);
            Path p = prepareOnce();
            System.setProperty("moelab.test.restart-data", p.toString());
            return p;
        }
    }

    static Path prepareOnce() {
        try {
            Path data = Files.createTempDirectory("moelab-restart-");
            Path artifacts = Files.createDirectories(data.resolve("artifacts"));
            Path jobs = Files.createDirectories(data.resolve("jobs"));
            quantizeInAnotherJvm(artifacts.resolve("old-artifact"), "--bits", "3", "--layers", "3", "--calibration-sequences", "4",
                    "--calibration-length", "64");
            quantizeInAnotherJvm(artifacts.resolve("old-rtn"), "--method", "rtn", "--bits", "4");
            Files.createDirectories(artifacts.resolve(".half.tmp-12345")).resolve("model.safetensors").toFile().createNewFile();
            Files.writeString(jobs.resolve("job-interrupted.json"), """
                    {"job": {"id": "job-interrupted", "kind": "quantization", "model": "moelab-tiny-qwen3moe", "state": "running",
                     "stage": "calibrate", "done": 3, "total": 8, "fraction": 0.3, "etaSeconds": 10.0, "cancelRequested": false,
                     "createdAt": "2026-01-01T00:00:00Z", "startedAt": "2026-01-01T00:00:01Z", "finishedAt": null,
                     "elapsedSeconds": 5.0, "error": null, "request": {"bits": 3}, "links": {}, "seq": 7}, "result": null}
                    """);
            return data;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The artifact is written by the CLI in a JVM of its own: the tokenizer's native library can belong to one
     * class loader per JVM, and this JVM's belongs to the app under test.
     */
    static void quantizeInAnotherJvm(Path out, String... options) throws IOException {
        Path repo = ModelsTest.TEACHING.getParent().getParent();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx1g",
                "-Dmoelab.home=" + repo, "-cp", System.getProperty("java.class.path"), "org.moelab.cli.MoelabCli", "quantize",
                "--model", ModelsTest.TEACHING.toString()));
        cmd.addAll(List.of(options));
        cmd.addAll(List.of("--out", out.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        try {
            if (p.waitFor() != 0) throw new IllegalStateException("quantize failed:\n" + log);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @AfterAll
    static void clean() throws IOException {
        FileOps.deleteTree(DATA);
    }

    @Test
    void artifactsComeBackJobsAreMarkedAndLeftoversRemoved() {
        RestAssured.get("/v1/models").then().statusCode(200).body("models.id", hasItem("old-artifact"))
                .body("models.find { it.id == 'old-artifact' }.state", equalTo("available"))
                .body("models.find { it.id == 'old-artifact' }.quantization.layers", equalTo(List.of(3)));
        Response r = RestAssured.get("/v1/models/old-artifact");
        assertEquals(503, r.statusCode(), r.asString());
        assertNotNull(r.header("Retry-After"));
        long end = System.nanoTime() + 30_000_000_000L;
        while ((r = RestAssured.get("/v1/models/old-artifact")).statusCode() == 503 && System.nanoTime() < end) Api.sleep(50);
        assertEquals(200, r.statusCode(), r.asString());
        Api.json().body(Map.of("prompt", "Call me", "maxTokens", 3)).post("/v1/models/old-artifact/generate").then().statusCode(200);

        // a dequantized (RTN) artifact comes back too, described by its manifest, and loads like a checkpoint
        RestAssured.get("/v1/models").then().statusCode(200).body("models.id", hasItem("old-rtn"))
                .body("models.find { it.id == 'old-rtn' }.kind", equalTo("dequantized_artifact"))
                .body("models.find { it.id == 'old-rtn' }.quantization.method", equalTo("rtn"))
                .body("models.find { it.id == 'old-rtn' }.quantization.bits", equalTo(4.0f));
        end = System.nanoTime() + 30_000_000_000L;
        while ((r = RestAssured.get("/v1/models/old-rtn")).statusCode() == 503 && System.nanoTime() < end) Api.sleep(50);
        assertEquals(200, r.statusCode(), r.asString());
        Api.json().body(Map.of("prompt", "Call me", "maxTokens", 3)).post("/v1/models/old-rtn/generate").then().statusCode(200);

        RestAssured.get("/v1/jobs/job-interrupted").then().statusCode(200).body("state", equalTo("failed"))
                .body("error.code", equalTo("backend_restarted"));
        assertFalse(Files.exists(DATA.resolve("artifacts").resolve(".half.tmp-12345")));
    }
}
