package org.moelab.kernel.client;

import io.vertx.core.VertxOptions;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackendClientOptionsTest {

    /** A starved event loop on a busy machine must not print Vert.x's blocked-thread stack trace into a notebook. */
    @Test
    void theBlockedThreadWarningNeedsAMinuteNotTwoSeconds() {
        VertxOptions o = BackendClient.vertxOptions();
        assertEquals(1, o.getEventLoopPoolSize());
        assertTrue(o.getMaxEventLoopExecuteTimeUnit().toSeconds(o.getMaxEventLoopExecuteTime()) >= 60,
                "max event loop execute time: " + o.getMaxEventLoopExecuteTime() + " " + o.getMaxEventLoopExecuteTimeUnit());
        assertEquals(TimeUnit.SECONDS.toMillis(10), o.getBlockedThreadCheckIntervalUnit().toMillis(o.getBlockedThreadCheckInterval()));
    }
}
