package org.moelab.kernel;

import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import io.github.spencerpark.jupyter.kernel.display.mime.MIMEType;
import jdk.jshell.EvalException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.moelab.kernel.client.BackendClient;
import org.moelab.kernel.magics.Plan;

import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kernel without Jupyter: JShell cells, magics rewritten into typed calls, rich values, errors, interrupt. */
class MoeKernelTest {

    private static FakeBackend backend;
    private static MoeKernel kernel;
    private static RecordingContext ctx;
    private static final CountDownLatch streaming = new CountDownLatch(1);
    private static final CountDownLatch cancelled = new CountDownLatch(1);

    @BeforeAll
    static void start() throws Exception {
        backend = new FakeBackend().json("GET /v1/models", 200, Fixtures.MODELS)
                .on("POST /v1/models/moelab-tiny-qwen3moe/allocation", (ex, body) -> FakeBackend.json(ex, 200, Fixtures.plan(2.5)))
                .json("POST /v1/models/moelab-tiny-qwen3moe/quantization", 202, Fixtures.job("j-7", "quantization", "queued", "queued", 0, 0, 0))
                .on("GET /v1/jobs/j-7/events", (ex, body) -> {
                    OutputStream o = FakeBackend.sse(ex);
                    FakeBackend.event(o, "status", Fixtures.job("j-7", "quantization", "running", "calibrate", 1, 100, 0.1));
                    streaming.countDown();
                    cancelled.await(30, TimeUnit.SECONDS);
                    FakeBackend.event(o, "error", "{\"job\":" + Fixtures.job("j-7", "quantization", "cancelled", "calibrate", 1, 100, 0.1) + "}");
                })
                .on("DELETE /v1/jobs/j-7", (ex, body) -> {
                    cancelled.countDown();
                    FakeBackend.json(ex, 202, Fixtures.job("j-7", "quantization", "running", "calibrate", 1, 100, 0.1));
                });
        kernel = new MoeKernel(() -> new BackendClient(backend.url(), null));
        ctx = new RecordingContext(kernel.host().backend());
        kernel.host().useContext(() -> ctx);
    }

    @AfterAll
    static void stop() {
        kernel.close();
        backend.close();
    }

    @Test
    void javaCellsKeepStateAndReturnObjects() throws Exception {
        assertNull(kernel.evalRaw("int x = 40;\nint y = 2;"), "declarations have no value to show");
        assertEquals(42, kernel.evalRaw("x + y"));
        assertEquals(List.of(1, 2), kernel.evalRaw("List.of(1, 2)"), "java.util is imported");
        assertNull(kernel.evalRaw("System.out.println(x);"));
        assertEquals("hi", kernel.evalRaw("String s = \"hi\";\ns"));
    }

    @Test
    void magicResultsAreTypedJavaObjects() throws Exception {
        kernel.evalRaw("var plan = %moe-allocate --bits 2.5 --sequences 16");
        assertEquals(2.5, kernel.evalRaw("plan.bits()"));
        assertEquals("org.moelab.kernel.magics.Plan", kernel.evalRaw("plan.getClass().getName()"));
        Object plan = kernel.evalRaw("plan");
        assertInstanceOf(Plan.class, plan);
        DisplayData d = kernel.getRenderer().render(plan);
        assertTrue(d.hasDataForType(MIMEType.TEXT_HTML) && d.getData(MIMEType.TEXT_HTML).toString().contains("<svg"), "renders itself");
        assertTrue(ctx.count(MIMEType.IMAGE_SVG) >= 3, "the magic showed its charts");
        assertEquals(3, kernel.evalRaw("plan.layers().size() - 1"));
        assertEquals(plan, kernel.evalRaw("KernelRuntime.last()"));
    }

    @Test
    void errorsAreOneLineForUsersAndStackTracesOtherwise() {
        Exception bad = assertThrows(Exception.class, () -> kernel.evalRaw("%moe-allocate --bits lots"));
        assertInstanceOf(EvalException.class, bad);
        assertEquals(List.of("%moe-allocate: --bits expects a number, got 'lots'"), plain(kernel.formatError(bad)));
        Exception unknown = assertThrows(Exception.class, () -> kernel.evalRaw("%moe-nope"));
        assertTrue(plain(kernel.formatError(unknown)).get(0).startsWith("unknown magic %moe-nope; available: %moe-models, %moe-quantize"));
        Exception compile = assertThrows(Exception.class, () -> kernel.evalRaw("int z = \"text\";"));
        List<String> lines = plain(kernel.formatError(compile));
        assertTrue(lines.get(0).contains("incompatible types"), lines.toString());
        assertEquals("int z = \"text\";", lines.get(1));
        Exception incomplete = assertThrows(Exception.class, () -> kernel.evalRaw("int q = (1 + "));
        assertTrue(plain(kernel.formatError(incomplete)).get(0).startsWith("incomplete input"), plain(kernel.formatError(incomplete)).toString());
        Exception npe = assertThrows(Exception.class, () -> kernel.evalRaw("String n = null; n.length()"));
        assertTrue(String.join("\n", plain(kernel.formatError(npe))).contains("java.lang.NullPointerException"));
    }

    private static List<String> plain(List<String> styled) {
        return styled.stream().map(s -> s.replaceAll("\u001B\\[[;\\d]*m", "")).toList();
    }

    @Test
    void theInterruptButtonCancelsTheBackendJob() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread shellThread = new Thread(() -> {
            try {
                kernel.evalRaw("var q = %moe-quantize --bits 2");
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        shellThread.start();
        assertTrue(streaming.await(30, TimeUnit.SECONDS));
        kernel.interrupt();
        shellThread.join(30_000);
        assertEquals(1, backend.count("DELETE", "/v1/jobs/j-7"), "cancelled once (the thread interrupt and the handler both ask)");
        List<String> msg = plain(kernel.formatError((Exception) thrown.get()));
        assertTrue(msg.get(0).startsWith("%moe-quantize: "), msg.toString());
        assertTrue(msg.get(0).contains("j-7"), msg.toString());
        assertEquals(5, kernel.evalRaw("2 + 3"), "the kernel still works");
    }
}
