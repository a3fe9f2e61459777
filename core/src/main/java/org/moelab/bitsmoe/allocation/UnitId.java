package org.moelab.bitsmoe.allocation;

/**
 * Which spectral component a quantization unit is (methods.md §1.2): MoE layer, projection
 * (gate/up/down), expert e and direction k. Only used to select, constrain and summarise units.
 */
public record UnitId(int layer, String projection, int expert, int component) {
    @Override
    public String toString() {
        return "L" + layer + "." + projection + ".e" + expert + ".k" + component;
    }
}
