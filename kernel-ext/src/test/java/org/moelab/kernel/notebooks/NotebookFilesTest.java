package org.moelab.kernel.notebooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moelab.kernel.Magic;
import org.moelab.kernel.MagicArguments;
import org.moelab.kernel.magics.AllocateMagic;
import org.moelab.kernel.magics.CompareMagic;
import org.moelab.kernel.magics.EvalMagic;
import org.moelab.kernel.magics.GenerateMagic;
import org.moelab.kernel.magics.ModelsMagic;
import org.moelab.kernel.magics.QuantizeMagic;
import org.moelab.kernel.magics.SweepMagic;
import org.moelab.kernel.magics.UnloadMagic;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The committed notebooks, checked without Jupyter or a backend: stored without outputs, on the moelab kernel, and
 * every magic they call exists and accepts its arguments (a typo fails here in seconds, not after minutes of
 * notebooks/run-headless.sh). And the pixel check that run-headless.sh runs on the Chromium screenshots
 * (notebooks/tools/ChartPixels.java) tells a chart from a blank box.
 */
class NotebookFilesTest {

    private static final Path REPO = Path.of(System.getProperty("moelab.repo", "..")).toAbsolutePath().normalize();
    private static final Path NOTEBOOKS = REPO.resolve("notebooks");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Magic<?>> MAGICS = Stream.of(new ModelsMagic(), new QuantizeMagic(), new AllocateMagic(),
            new GenerateMagic(), new UnloadMagic(), new EvalMagic(), new CompareMagic(), new SweepMagic())
            .collect(Collectors.toMap(Magic::name, Function.identity()));
    /** %name args at the start of a line or after "var x =", as MagicSourceTransformer rewrites them. */
    private static final Pattern LINE_MAGIC = Pattern.compile("(?m)^\\s*(?:[\\w<>\\[\\], ]+=\\s*)?%(?!%)([\\w-]+)([^\\n]*)$");
    private static final Pattern RUNTIME_CALL = Pattern.compile("KernelRuntime\\.lineMagic\\(\"([\\w-]+)\"");

    private static List<Path> notebooks() throws IOException {
        try (Stream<Path> s = Files.list(NOTEBOOKS)) {
            List<Path> nbs = s.filter(p -> p.toString().endsWith(".ipynb")).sorted().toList();
            assertTrue(nbs.size() >= 5, "notebooks 01..05 in " + NOTEBOOKS + ": " + nbs);
            return nbs;
        }
    }

    private static String source(JsonNode cell) {
        StringBuilder sb = new StringBuilder();
        JsonNode src = cell.get("source");
        if (src.isArray()) src.forEach(l -> sb.append(l.asText()));
        else sb.append(src.asText());
        return sb.toString();
    }

    @Test
    void notebooksAreStoredWithoutOutputsOnTheMoelabKernel() throws IOException {
        for (Path p : notebooks()) {
            JsonNode nb = JSON.readTree(p.toFile());
            assertEquals("moelab", nb.at("/metadata/kernelspec/name").asText(), p + ": kernel");
            assertEquals(4, nb.get("nbformat").asInt(), p + ": nbformat");
            Set<String> ids = new HashSet<>();
            for (JsonNode cell : nb.get("cells")) {
                assertTrue(ids.add(cell.get("id").asText()), p + ": duplicate cell id " + cell.get("id"));
                if (!cell.get("cell_type").asText().equals("code")) continue;
                assertEquals(0, cell.get("outputs").size(), p + ": outputs are stripped before committing (jupyter nbconvert "
                        + "--clear-output --inplace); cell " + cell.get("id"));
                assertTrue(cell.get("execution_count").isNull(), p + ": execution_count is null; cell " + cell.get("id"));
            }
        }
    }

    @Test
    void everyMagicTheNotebooksCallExistsAndAcceptsItsArguments() throws IOException {
        int checked = 0;
        for (Path p : notebooks()) {
            for (JsonNode cell : JSON.readTree(p.toFile()).get("cells")) {
                if (!cell.get("cell_type").asText().equals("code")) continue;
                String src = source(cell);
                Matcher m = LINE_MAGIC.matcher(src);
                while (m.find()) {
                    Magic<?> magic = MAGICS.get(m.group(1));
                    assertTrue(magic != null, p + ": no magic %" + m.group(1) + " (magics: " + MAGICS.keySet() + ")");
                    magic.schema().parseWords(MagicArguments.split(m.group(2).replaceFirst(";\\s*$", "")));
                    checked++;
                }
                Matcher r = RUNTIME_CALL.matcher(src);
                while (r.find()) {
                    assertTrue(MAGICS.containsKey(r.group(1)), p + ": KernelRuntime.lineMagic(\"" + r.group(1) + "\") names no magic");
                    checked++;
                }
            }
        }
        assertTrue(checked >= 15, "found the notebooks' magic calls: " + checked);
    }

    private record Run(int rc, String out) {
    }

    private static Run chartPixels(Path png, Path boxes, int expected) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process proc = new ProcessBuilder(java, NOTEBOOKS.resolve("tools/ChartPixels.java").toString(), png.toString(), boxes.toString(),
                Integer.toString(expected)).redirectErrorStream(true).start();
        String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(proc.waitFor(), out);
    }

    @Test
    void chartPixelsPassesDrawnChartsAndFailsBlankOrMissingOnes(@TempDir Path dir) throws Exception {
        BufferedImage img = new BufferedImage(900, 900, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 900, 900);
        // a chart: axes, grid, a line, bars, inside (50, 50, 640, 360)
        g.setColor(Color.GRAY);
        g.setStroke(new BasicStroke(2));
        g.drawRect(90, 70, 580, 310);
        for (int x = 90; x < 670; x += 40) g.drawLine(x, 70, x, 380);
        g.setColor(new Color(200, 60, 60));
        for (int i = 0; i < 10; i++) g.fillRect(110 + 55 * i, 380 - 25 * (i + 1), 30, 25 * (i + 1));
        // a blank "chart" below it: only a caption
        g.setColor(Color.BLACK);
        g.drawString("Perplexity vs bits", 60, 480);
        g.dispose();
        Path png = dir.resolve("page.png");
        ImageIO.write(img, "png", png.toFile());
        Path chart = Files.writeString(dir.resolve("chart.txt"), "50 50 640 360 1\n");
        Run ok = chartPixels(png, chart, 1);
        assertEquals(0, ok.rc(), "a drawn chart passes: " + ok.out());
        assertTrue(ok.out().contains("chart 1 (640 x 360 at 50,50): 22.1 % ink"), ok.out());
        // one run, every failure named: a blank box, an image that did not load, fewer charts than the notebook has
        Path bad = Files.writeString(dir.resolve("bad.txt"), "50 50 640 360 1\n50 460 640 360 1\n50 50 640 360 0\n");
        Run fail = chartPixels(png, bad, 4);
        assertEquals(1, fail.rc(), fail.out());
        assertTrue(fail.out().contains("CHART CHECK FAILED: the page shows 3 chart image(s), the notebook has 4 chart output(s)"), fail.out());
        assertTrue(fail.out().contains("chart 2 (640 x 360 at 50,460): 0.1 % ink, spanning 16 % x 4 % of the box: blank (under 1 % ink)"),
                fail.out());
        assertTrue(fail.out().contains("chart 3 (640 x 360 at 50,50): the image did not load"), fail.out());
    }
}
