package org.moelab.bitsmoe.decomposition;

import java.util.List;

/** The three decomposed projections of one MoE layer. */
public record LayerDecomposition(int layer, ProjectionFactors gate, ProjectionFactors up, ProjectionFactors down) {

    public List<ProjectionFactors> projections() {
        return List.of(gate, up, down);
    }

    public ProjectionFactors projection(String name) {
        return switch (name) {
            case "gate" -> gate;
            case "up" -> up;
            case "down" -> down;
            default -> throw new IllegalArgumentException("unknown projection '" + name + "'; expected gate, up or down");
        };
    }
}
