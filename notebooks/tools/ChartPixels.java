import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The pixel check of notebooks/run-headless.sh: does every chart of an executed notebook, exported to HTML and
 * rendered by headless Chromium, occupy visible area in the screenshot?
 * <pre>java notebooks/tools/ChartPixels.java SCREENSHOT.png BOXES.txt EXPECTED_CHARTS</pre>
 * BOXES.txt: one line per chart image the page laid out, "x y width height loaded" in CSS pixels (the screenshot is
 * taken at device scale 1, so CSS pixels are image pixels). A chart passes when its image loaded, its box is at least
 * 100 × 60 pixels and inside the screenshot, at least 1 % of its pixels are ink (not the white page/plot background),
 * and the ink spans at least half the box's width and height (a chart, not a broken-image icon or a lone caption).
 * The number of boxes must equal EXPECTED_CHARTS (the notebook's image/svg+xml and image/png outputs). Prints one
 * line per chart and exits 1 naming every failure.
 */
public final class ChartPixels {

    static final int INK_DISTANCE = 40;       // max channel difference from white that still counts as background
    static final double MIN_INK = 0.01;
    static final double MIN_SPAN = 0.5;

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: java ChartPixels.java SCREENSHOT.png BOXES.txt EXPECTED_CHARTS");
            System.exit(2);
        }
        BufferedImage img = ImageIO.read(new File(args[0]));
        if (img == null) fail("cannot decode " + args[0] + " as an image");
        int expected = Integer.parseInt(args[2]);
        List<int[]> boxes = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[1]))) {
            if (line.isBlank()) continue;
            String[] f = line.trim().split("\\s+");
            int[] b = new int[5];
            for (int i = 0; i < 5; i++) b[i] = Integer.parseInt(f[i]);
            boxes.add(b);
        }
        List<String> failures = new ArrayList<>();
        if (boxes.size() != expected) {
            failures.add("the page shows " + boxes.size() + " chart image(s), the notebook has " + expected + " chart output(s)");
        }
        long pageInk = 0;
        for (int y = 0; y < img.getHeight(); y++) for (int x = 0; x < img.getWidth(); x++) if (ink(img.getRGB(x, y))) pageInk++;
        System.out.printf(Locale.ROOT, "  screenshot %d x %d px, %.1f %% ink overall%n", img.getWidth(), img.getHeight(),
                100.0 * pageInk / ((long) img.getWidth() * img.getHeight()));
        for (int i = 0; i < boxes.size(); i++) {
            int[] b = boxes.get(i);
            String where = String.format(Locale.ROOT, "chart %d (%d x %d at %d,%d)", i + 1, b[2], b[3], b[0], b[1]);
            if (b[4] != 1) {
                failures.add(where + ": the image did not load");
                continue;
            }
            if (b[2] < 100 || b[3] < 60) {
                failures.add(where + ": too small to be a chart");
                continue;
            }
            int x0 = Math.max(0, b[0]), y0 = Math.max(0, b[1]);
            int x1 = Math.min(img.getWidth(), b[0] + b[2]), y1 = Math.min(img.getHeight(), b[1] + b[3]);
            if (x1 - x0 < b[2] * 0.9 || y1 - y0 < b[3] * 0.9) {
                failures.add(where + ": outside the screenshot (" + img.getWidth() + " x " + img.getHeight() + ")");
                continue;
            }
            long n = 0;
            int minX = Integer.MAX_VALUE, maxX = -1, minY = Integer.MAX_VALUE, maxY = -1;
            for (int y = y0; y < y1; y++) {
                for (int x = x0; x < x1; x++) {
                    if (ink(img.getRGB(x, y))) {
                        n++;
                        minX = Math.min(minX, x);
                        maxX = Math.max(maxX, x);
                        minY = Math.min(minY, y);
                        maxY = Math.max(maxY, y);
                    }
                }
            }
            double frac = (double) n / ((long) (x1 - x0) * (y1 - y0));
            double spanX = maxX < 0 ? 0 : (maxX - minX + 1.0) / (x1 - x0), spanY = maxY < 0 ? 0 : (maxY - minY + 1.0) / (y1 - y0);
            String line = String.format(Locale.ROOT, "%s: %.1f %% ink, spanning %.0f %% x %.0f %% of the box", where, 100 * frac,
                    100 * spanX, 100 * spanY);
            System.out.println("  " + line);
            if (frac < MIN_INK) failures.add(line + ": blank (under " + Math.round(100 * MIN_INK) + " % ink)");
            else if (spanX < MIN_SPAN || spanY < MIN_SPAN) failures.add(line + ": the ink covers under half the box");
        }
        if (!failures.isEmpty()) fail(String.join("\n  ", failures));
        System.out.println("  every chart is visible (" + boxes.size() + ")");
    }

    static boolean ink(int argb) {
        int r = (argb >> 16) & 0xff, g = (argb >> 8) & 0xff, b = argb & 0xff;
        return 255 - r > INK_DISTANCE || 255 - g > INK_DISTANCE || 255 - b > INK_DISTANCE;
    }

    private static void fail(String message) {
        System.err.println("  CHART CHECK FAILED: " + message);
        System.exit(1);
    }
}
