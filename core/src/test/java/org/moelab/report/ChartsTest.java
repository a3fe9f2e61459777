package org.moelab.report;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Charts render headless to real SVG and PNG with their data in them. */
class ChartsTest {

    @Test
    void linesRenderToSvgWithTitleAndSeries() {
        Map<String, double[][]> s = new LinkedHashMap<>();
        s.put("BitsMoE", new double[][] {{2, 73.1}, {2.5, 70.2}, {3, 69.0}});
        s.put("GPTQ", new double[][] {{2, 75.0}, {3, 68.2}});
        String svg = Charts.svg(Charts.lines("ppl vs bits", "bits", "ppl", s, true), 640, 400);
        assertTrue(svg.startsWith("<svg") || svg.contains("<svg"), svg.substring(0, 80));
        assertTrue(svg.contains("ppl vs bits") && svg.contains("BitsMoE") && svg.contains("GPTQ"));
    }

    @Test
    void heatmapAndBarsRenderToPng() {
        double[][] v = {{1, 2, 3}, {4, 5, 6}};
        byte[] png = Charts.png(Charts.heatmap("bits", "expert", "layer", v, "avg bits"), 300, 200);
        assertEquals((byte) 0x89, png[0]);
        assertEquals('P', png[1]);
        Map<String, Map<String, Number>> bars = Map.of("gate", Map.of("2", 10, "3", 5));
        assertTrue(Charts.png(Charts.bars("histogram", "bits", "components", bars), 300, 200).length > 1000);
        Charts.Viridis scale = new Charts.Viridis(0, 1);
        assertEquals(new java.awt.Color(68, 1, 84), scale.getPaint(0));
        assertEquals(new java.awt.Color(253, 231, 37), scale.getPaint(1));
    }
}
