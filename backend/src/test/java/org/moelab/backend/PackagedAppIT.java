package org.moelab.backend;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The packaged app (target/quarkus-app/quarkus-run.jar, what `./moelab serve` runs) in its own process: one class
 * loader, the native libraries (DJL tokenizer, netlib BLAS/LAPACK) loaded as in production, the teaching model at startup.
 */
@QuarkusIntegrationTest
@QuarkusTestResource(TempDataDir.class)
class PackagedAppIT {

    static final String M = "/v1/models/" + Api.TINY;

    @Test
    void readyWithTheTeachingModelGeneratesAndRunsJobs() {
        RestAssured.get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        RestAssured.get("/v1/models").then().statusCode(200).body("models.id", hasItem(Api.TINY));
        Api.json().body(Map.of("prompt", "The old man said that", "maxTokens", 6, "temperature", 0)).post(M + "/generate")
                .then().statusCode(200).body("tokens.size()", equalTo(6));

        // BLAS/LAPACK through the packaged class path: a one-layer decomposition job
        Response d = Api.json().body(Map.of("layers", List.of(0), "maxDirections", 4)).post(M + "/decomposition");
        assertEquals(202, d.statusCode(), d.asString());
        JsonPath end = Api.awaitFinished(d.jsonPath().getString("id"), Duration.ofSeconds(120));
        assertEquals("succeeded", end.getString("state"), end.prettify());

        // a quantization job whose artifact becomes a model that generates
        Response q = Api.json().body(Map.of("method", "rtn", "bits", 4, "name", "it-rtn-4b")).post(M + "/quantization");
        assertEquals(202, q.statusCode(), q.asString());
        end = Api.awaitFinished(q.jsonPath().getString("id"), Duration.ofSeconds(180));
        assertEquals("succeeded", end.getString("state"), end.prettify());
        Api.json().body(Map.of("prompt", "The old man said that", "maxTokens", 4, "temperature", 0)).post("/v1/models/it-rtn-4b/generate")
                .then().statusCode(200).body("tokens.size()", equalTo(4));
        Api.json().body(Map.of("bits", "many")).post(M + "/quantization").then().statusCode(400).body("field", equalTo("bits"));
    }
}
