package org.moelab.backend;

import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;

import java.time.Duration;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.fail;

/** Small helpers shared by the REST tests. */
final class Api {

    static final String TINY = "moelab-tiny-qwen3moe";

    private Api() {
    }

    static RequestSpecification json() {
        return RestAssured.given().contentType(ContentType.JSON).accept(ContentType.JSON);
    }

    /** Polls a job until {@code done} accepts its view (or fails the test after the timeout). */
    static JsonPath awaitJob(String id, Predicate<JsonPath> done, Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            JsonPath v = RestAssured.get("/v1/jobs/" + id).then().statusCode(200).extract().jsonPath();
            if (done.test(v)) return v;
            sleep(100);
        }
        fail("job " + id + " did not reach the expected state in " + timeout + ": " + RestAssured.get("/v1/jobs/" + id).asString());
        return null;
    }

    static JsonPath awaitFinished(String id, Duration timeout) {
        return awaitJob(id, v -> !v.getString("state").equals("running") && !v.getString("state").equals("queued"), timeout);
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
