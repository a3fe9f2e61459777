package org.moelab.backend;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** moelab.max-loaded-bytes: room for one teaching model; a second one is refused with 507 until the first is unloaded. */
@QuarkusTest
@QuarkusTestResource(TempDataDir.class)
@TestProfile(MemoryLimitTest.OneModelOfRoom.class)
class MemoryLimitTest {

    static long weights(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            long sum = 0;
            for (Path p : s.filter(p -> p.toString().endsWith(".safetensors")).toList()) sum += Files.size(p);
            return sum;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static class OneModelOfRoom implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("moelab.max-loaded-bytes", Long.toString(weights(ModelsTest.TEACHING) * 3 / 2));
        }
    }

    /** A second directory with the teaching model's files (links), so the registry sees another model. */
    static Path copyOfTheTeachingModel() throws IOException {
        Path dir = Files.createTempDirectory("moelab-second-model-");
        try (Stream<Path> s = Files.list(ModelsTest.TEACHING)) {
            for (Path p : s.toList()) Files.createSymbolicLink(dir.resolve(p.getFileName()), p.toAbsolutePath());
        }
        return dir;
    }

    @Test
    void aLoadBeyondTheLimitIs507NamingWhatHoldsTheMemory() throws IOException {
        Path second = copyOfTheTeachingModel();
        JsonPath err = Api.json().body(Map.of("path", second.toString(), "id", "second")).post("/v1/models").then().statusCode(507)
                .body("type", equalTo("insufficient_storage")).body("code", equalTo("model_too_large"))
                .body("message", containsString(Api.TINY)).extract().jsonPath();
        assertEquals(weights(ModelsTest.TEACHING), err.getLong("details.bytes"));
        RestAssured.get("/v1/models/second").then().statusCode(404);
        // registered without loading: a request that needs it is refused the same way
        Api.json().body(Map.of("path", second.toString(), "id", "second", "load", false)).post("/v1/models").then().statusCode(201);
        Api.json().body(Map.of("prompt", "hi", "maxTokens", 2)).post("/v1/models/second/generate").then().statusCode(507);
        // room made: it loads
        RestAssured.delete("/v1/models/" + Api.TINY).then().statusCode(204);
        int status = 0;
        for (int i = 0; i < 300 && status != 200; i++) {
            status = Api.json().body(Map.of("prompt", "hi", "maxTokens", 2)).post("/v1/models/second/generate").statusCode();
            if (status == 503) Api.sleep(100); // loading: 503 with Retry-After, as designed
            else assertEquals(200, status);
        }
        assertEquals(200, status, "the second model loads once the first is unloaded");
    }
}
