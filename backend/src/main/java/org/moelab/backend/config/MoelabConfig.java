package org.moelab.backend.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** Every {@code moelab.*} setting of the service (application.properties, -D, or MOELAB_* environment variables). */
@ConfigMapping(prefix = "moelab")
public interface MoelabConfig {

    /** Repository root (models/, data/); default: the working directory or its parent, whichever holds models/. */
    Optional<String> home();

    /** Where artifacts and job records live; default ~/.moelab/data, or &lt;home&gt;/.moelab/data when home is not writable. */
    Optional<String> dataDir();

    /** When set, every /v1 request needs {@code Authorization: Bearer <token>}. */
    Optional<String> apiToken();

    /** The model registered (and loaded) at startup, relative to home unless absolute. */
    @WithDefault("models/moelab-tiny-qwen3moe")
    String defaultModel();

    /** Load the default model at startup (readiness waits for it). */
    @WithDefault("true")
    boolean loadDefaultModel();

    /** Load the artifacts found under the data dir at startup rather than on first use. */
    @WithDefault("false")
    boolean loadArtifactsAtStartup();

    /** Interval between SSE heartbeats when a job reports nothing new. */
    @WithDefault("10s")
    Duration sseHeartbeat();

    /** Most new tokens one generation or completion may ask for. */
    @WithDefault("4096")
    int maxNewTokens();

    /** Most bytes of weights the loaded models may map together; a load beyond it is refused with 507 (unset: no limit). */
    java.util.OptionalLong maxLoadedBytes();

    /** Whether a client leaving a job's event stream before the job ends cancels it (per request: ?cancelOnDisconnect=). */
    @WithDefault("false")
    boolean cancelOnDisconnect();

    /** Seconds a client is told to wait (Retry-After) while a model loads. */
    @WithDefault("2")
    int retryAfterSeconds();
}
