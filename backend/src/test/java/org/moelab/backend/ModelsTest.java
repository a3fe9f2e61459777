package org.moelab.backend;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The registry: the teaching model at startup, list with memory, info, register (idempotent), lazy load (503), unload. */
@QuarkusTest
@QuarkusTestResource(TempDataDir.class)
class ModelsTest {

    static final Path TEACHING = Paths.get(System.getProperty("moelab.repo", "..")).resolve("models").resolve(Api.TINY);

    @Test
    void teachingModelIsRegisteredLoadedAndListedWithMemory() {
        RestAssured.get("/v1/models").then().statusCode(200)
                .body("models.id", hasItem(Api.TINY))
                .body("models.find { it.id == '" + Api.TINY + "' }.state", equalTo("ready"))
                .body("models.find { it.id == '" + Api.TINY + "' }.isDefault", equalTo(true))
                .body("models.find { it.id == '" + Api.TINY + "' }.memory.mappedBytes", greaterThan(18_000_000))
                .body("jvm.heapMaxBytes", greaterThan(0L));
    }

    @Test
    void infoShowsArchitecture() {
        RestAssured.get("/v1/models/" + Api.TINY).then().statusCode(200)
                .body("architecture.modelType", equalTo("qwen3_moe"))
                .body("architecture.layers", equalTo(4))
                .body("architecture.experts", equalTo(16))
                .body("architecture.parameters", equalTo(9_194_240))
                .body("kind", equalTo("checkpoint"));
    }

    @Test
    void registeringTheSameDirectoryTwiceReturnsTheExistingModel() {
        Api.json().body(Map.of("path", TEACHING.toString())).post("/v1/models").then().statusCode(200)
                .body("id", equalTo(Api.TINY));
        Api.json().body(Map.of("path", "models/" + Api.TINY)).post("/v1/models").then().statusCode(200)
                .body("id", equalTo(Api.TINY));
    }

    @Test
    void unknownModelIs404() {
        RestAssured.get("/v1/models/nope").then().statusCode(404)
                .body("type", equalTo("not_found")).body("code", equalTo("unknown_model"))
                .body("message", notNullValue());
        RestAssured.delete("/v1/models/nope").then().statusCode(404).body("code", equalTo("unknown_model"));
    }

    @Test
    void registerLazilyAnswers503WithRetryAfterWhileLoadingThenInfoThenUnload() throws Exception {
        Path copy = Files.createTempDirectory("moelab-copy-");
        try {
            for (String f : new String[]{"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"}) {
                Files.copy(TEACHING.resolve(f), copy.resolve(f));
            }
            Api.json().body(Map.of("path", copy.toString(), "id", "tiny-copy", "load", false)).post("/v1/models").then()
                    .statusCode(201).header("Location", org.hamcrest.Matchers.endsWith("/v1/models/tiny-copy"))
                    .body("state", equalTo("available"));
            // first use starts the load and is told to come back
            Response r = RestAssured.get("/v1/models/tiny-copy");
            assertEquals(503, r.statusCode(), r.asString());
            assertNotNull(r.header("Retry-After"));
            assertEquals("model_loading", r.jsonPath().getString("code"));
            long end = System.nanoTime() + 30_000_000_000L;
            while ((r = RestAssured.get("/v1/models/tiny-copy")).statusCode() == 503 && System.nanoTime() < end) Api.sleep(50);
            assertEquals(200, r.statusCode(), r.asString());
            assertEquals("ready", r.jsonPath().getString("state"));
            RestAssured.get("/q/health/ready").then().statusCode(200).body("checks[0].data.'tiny-copy'", equalTo("ready"));
            RestAssured.delete("/v1/models/tiny-copy").then().statusCode(204);
            RestAssured.get("/v1/models/tiny-copy").then().statusCode(404);
            assertTrue(Files.exists(copy.resolve("model.safetensors")), "unload leaves the files");
            // and a waited registration answers 201 once loaded
            Api.json().body(Map.of("path", copy.toString(), "id", "tiny-copy")).post("/v1/models").then().statusCode(201)
                    .body("state", equalTo("ready")).body("memory.mappedBytes", greaterThan(0));
            RestAssured.delete("/v1/models/tiny-copy").then().statusCode(204);
        } finally {
            org.moelab.backend.util.FileOps.deleteTree(copy);
        }
    }

    @Test
    void registeringSomethingThatIsNotAModelIs422NamingPath() throws Exception {
        Path empty = Files.createTempDirectory("moelab-empty-");
        try {
            Api.json().body(Map.of("path", empty.toString())).post("/v1/models").then().statusCode(422)
                    .body("field", equalTo("path")).body("type", equalTo("invalid_request"));
            Api.json().body(Map.of("path", "/does/not/exist")).post("/v1/models").then().statusCode(422)
                    .body("field", equalTo("path"));
        } finally {
            Files.deleteIfExists(empty);
        }
    }

    @Test
    void healthLivenessAndReadiness() {
        RestAssured.get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        RestAssured.get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks[0].data.'" + Api.TINY + "'", equalTo("ready"));
    }

    @Test
    void openApiAndSwaggerUi() {
        RestAssured.get("/q/openapi?format=json").then().statusCode(200)
                .body("paths", org.hamcrest.Matchers.hasKey("/v1/models"))
                .body("paths", org.hamcrest.Matchers.hasKey("/v1/completions"))
                .body("paths", org.hamcrest.Matchers.hasKey("/v1/jobs/{id}/events"));
        RestAssured.get("/q/swagger-ui/").then().statusCode(200);
    }
}
