package org.moelab.kernel.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;
import org.moelab.kernel.client.BackendClient;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No Docker engine runs in CI, so the images are checked as text: every path they copy exists in the repository,
 * the modules they build exist, the ports agree (Dockerfile EXPOSE, compose ports, the URL the kernel is given,
 * the backend's own configuration), and the kernel class the kernelspecs start is real.
 */
class DockerFilesTest {

    private static final Path REPO = Path.of(System.getProperty("moelab.repo", "..")).toAbsolutePath().normalize();
    private static final Path DOCKER = REPO.resolve("docker");
    private static final Pattern FROM_STAGE = Pattern.compile("(?m)^FROM\\s+\\S+(?:\\s+AS\\s+(\\S+))?");

    private static String read(Path p) throws IOException {
        assertTrue(Files.isRegularFile(p), p + " exists");
        return Files.readString(p);
    }

    /** Instruction lines with their continuations joined. */
    private static List<String> instructions(String dockerfile) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (String line : dockerfile.split("\n")) {
            if (cur.isEmpty() && (line.isBlank() || line.strip().startsWith("#"))) continue;
            if (line.endsWith("\\")) {
                cur.append(line, 0, line.length() - 1).append(' ');
            } else {
                out.add(cur.append(line).toString().strip());
                cur.setLength(0);
            }
        }
        return out;
    }

    @Test
    void everyCopiedPathExistsAndEveryBuiltModuleIsAModule() throws IOException {
        String parentPom = read(REPO.resolve("pom.xml"));
        for (String name : List.of("backend.Dockerfile", "jupyter.Dockerfile")) {
            String df = read(DOCKER.resolve(name));
            int copies = 0;
            for (String ins : instructions(df)) {
                if (ins.startsWith("COPY ") && !ins.contains("--from=")) {
                    List<String> words = new ArrayList<>(List.of(ins.substring(5).trim().split("\\s+")));
                    words.removeIf(w -> w.startsWith("--"));
                    for (String src : words.subList(0, words.size() - 1)) {
                        assertTrue(Files.exists(REPO.resolve(src)), name + ": COPY source " + src + " is not in the repository");
                        copies++;
                    }
                }
                Matcher m = Pattern.compile("-pl\\s+(\\S+)").matcher(ins);
                while (m.find()) {
                    for (String module : m.group(1).split(",")) {
                        assertTrue(parentPom.contains("<module>" + module + "</module>"), name + ": -pl " + module + " is not a module");
                    }
                }
            }
            assertTrue(copies >= 5, name + " copies the sources it builds");
            Matcher stages = FROM_STAGE.matcher(df);
            List<String> named = new ArrayList<>();
            while (stages.find()) if (stages.group(1) != null) named.add(stages.group(1));
            Matcher from = Pattern.compile("--from=(\\S+)").matcher(df);
            while (from.find()) {
                String stage = from.group(1);
                assertTrue(named.contains(stage) || stage.contains(":"), name + ": COPY --from=" + stage + " names no stage or image");
            }
            assertTrue(Files.isRegularFile(DOCKER.resolve(name + ".dockerignore")), name + " has its .dockerignore");
        }
        assertTrue(read(REPO.resolve("backend/pom.xml")).contains("quarkus-maven-plugin"),
                "the backend image copies backend/target/quarkus-app, which the Quarkus plugin builds");
        assertTrue(read(DOCKER.resolve("backend.Dockerfile")).contains("COPY --from=build /src/backend/target/quarkus-app/ backend/"));
        assertTrue(read(DOCKER.resolve("backend.Dockerfile")).contains("/opt/moelab/backend/quarkus-run.jar"));
    }

    @Test
    void portsAndAddressesAgree() throws IOException {
        JsonNode compose = new ObjectMapper(new YAMLFactory()).readTree(read(DOCKER.resolve("compose.yaml")));
        JsonNode backend = compose.path("services").path("backend");
        JsonNode jupyter = compose.path("services").path("jupyter");
        for (JsonNode s : List.of(backend, jupyter)) {
            assertEquals(REPO, DOCKER.resolve(s.path("build").path("context").asText()).normalize(), "build context is the repository root");
            assertTrue(Files.isRegularFile(REPO.resolve(s.path("build").path("dockerfile").asText())), "dockerfile exists: " + s.path("build"));
        }
        String backendDf = read(DOCKER.resolve("backend.Dockerfile"));
        String jupyterDf = read(DOCKER.resolve("jupyter.Dockerfile"));
        int backendPort = expose(backendDf);
        int jupyterPort = expose(jupyterDf);

        String[] bp = backend.path("ports").get(0).asText().split(":");
        assertEquals("127.0.0.1", bp[0], "the backend is published on loopback only");
        assertEquals(backendPort, Integer.parseInt(bp[2]), "compose maps the port the backend image exposes");
        assertEquals(URI.create(BackendClient.DEFAULT_URL).getPort(), Integer.parseInt(bp[1]),
                "the host port is the one the kernel and ./moelab lab use by default");
        assertTrue(backendDf.contains("QUARKUS_HTTP_PORT=" + backendPort) && backendDf.contains("QUARKUS_HTTP_HOST=0.0.0.0"));
        assertTrue(backendDf.contains("http://127.0.0.1:" + backendPort + "/q/health/ready"), "image health check on the exposed port");
        assertTrue(backend.path("healthcheck").path("test").toString().contains("127.0.0.1:" + backendPort + "/q/health/ready"));
        Properties p = new Properties();
        p.load(new java.io.StringReader(read(REPO.resolve("backend/src/main/resources/application.properties"))));
        assertEquals(String.valueOf(backendPort), p.getProperty("quarkus.http.port", "8080"), "the backend's own default port");

        URI kernelTarget = URI.create(jupyter.path("environment").path("MOELAB_BACKEND_URL").asText());
        assertTrue(compose.path("services").has(kernelTarget.getHost()), "the kernel's backend URL names a compose service");
        assertEquals(backendPort, kernelTarget.getPort(), "the kernel talks to the backend's container port");
        assertTrue(jupyterDf.contains("ENV MOELAB_BACKEND_URL=" + kernelTarget));
        assertEquals("service_healthy", jupyter.path("depends_on").path("backend").path("condition").asText());

        String[] jp = jupyter.path("ports").get(0).asText().split(":");
        assertEquals("127.0.0.1", jp[0], "Jupyter is published on loopback only");
        assertEquals(jupyterPort, Integer.parseInt(jp[2]));
        assertTrue(jupyterDf.contains("\"--port=" + jupyterPort + "\""), "Jupyter listens on the exposed port");
        for (JsonNode v : jupyter.path("volumes")) {
            String host = v.asText().split(":")[0];
            if (host.startsWith(".")) assertTrue(Files.isDirectory(DOCKER.resolve(host).normalize()), "volume source " + host + " exists");
        }
    }

    private static int expose(String dockerfile) {
        Matcher m = Pattern.compile("(?m)^EXPOSE\\s+(\\d+)").matcher(dockerfile);
        assertTrue(m.find(), "EXPOSE");
        int port = Integer.parseInt(m.group(1));
        assertFalse(m.find(), "one EXPOSE");
        return port;
    }

    @Test
    void kernelspecsStartTheRealKernel() throws Exception {
        Pattern main = Pattern.compile("\"(org\\.moelab\\.kernel\\.\\w+)\", \"\\{connection_file}\"");
        for (Path p : List.of(DOCKER.resolve("jupyter.Dockerfile"), REPO.resolve("moelab"))) {
            Matcher m = main.matcher(read(p));
            assertTrue(m.find(), p + " writes a kernelspec");
            Class<?> k = Class.forName(m.group(1));
            k.getMethod("main", String[].class);
            assertTrue(read(p).contains("\"interrupt_mode\": \"message\""), p + ": interrupts must reach the kernel as messages");
        }
    }
}
