package org.moelab.backend;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

/** With moelab.api-token set, /v1 needs the bearer token; health stays open for probes. */
@QuarkusTest
@QuarkusTestResource(TempDataDir.class)
@TestProfile(AuthTest.WithToken.class)
class AuthTest {

    public static class WithToken implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("moelab.api-token", "s3cret");
        }
    }

    @Test
    void requestsWithoutTheTokenAre401() {
        RestAssured.get("/v1/models").then().statusCode(401).body("type", equalTo("unauthorized"))
                .body("code", equalTo("missing_token")).header("WWW-Authenticate", equalTo("Bearer"));
        RestAssured.given().header("Authorization", "Bearer wrong").get("/v1/models").then().statusCode(401)
                .body("code", equalTo("invalid_token"));
        RestAssured.given().header("Authorization", "Bearer s3cret").get("/v1/models").then().statusCode(200)
                .body("models", notNullValue());
        RestAssured.given().header("Authorization", "Bearer wrong").post("/v1/completions").then().statusCode(401);
    }

    @Test
    void healthStaysOpen() {
        RestAssured.get("/q/health/live").then().statusCode(200);
    }
}
