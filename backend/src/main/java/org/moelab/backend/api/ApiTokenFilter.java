package org.moelab.backend.api;

import jakarta.ws.rs.container.ContainerRequestContext;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.moelab.backend.config.MoelabConfig;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * With {@code moelab.api-token} set, every REST call needs {@code Authorization: Bearer <token>}. Health
 * (/q/health) and the OpenAPI document (/q/openapi, /q/swagger-ui) are not REST resources and stay open, so
 * container probes keep working.
 */
public final class ApiTokenFilter {

    private final byte[] token;

    public ApiTokenFilter(MoelabConfig config) {
        this.token = config.apiToken().filter(t -> !t.isBlank()).map(t -> t.getBytes(StandardCharsets.UTF_8)).orElse(null);
    }

    @ServerRequestFilter(preMatching = true)
    public void check(ContainerRequestContext request) {
        if (token == null) return;
        String header = request.getHeaderString("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw ApiException.unauthorized("missing_token", "this backend requires 'Authorization: Bearer <token>' (moelab.api-token)");
        }
        byte[] given = header.substring(7).strip().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, token)) throw ApiException.unauthorized("invalid_token", "the bearer token is not valid");
    }
}
