package org.moelab.bitsmoe.allocation;

/**
 * A set of units named by their id fields; a null field matches anything. JSON-friendly, so a notebook
 * or a REST call can say "layer 2, expert 5, any projection".
 */
public record UnitSelector(Integer layer, String projection, Integer expert, Integer component) {

    public static UnitSelector all() {
        return new UnitSelector(null, null, null, null);
    }

    public static UnitSelector layer(int layer) {
        return new UnitSelector(layer, null, null, null);
    }

    public static UnitSelector expert(int layer, int expert) {
        return new UnitSelector(layer, null, expert, null);
    }

    public static UnitSelector unit(UnitId id) {
        return new UnitSelector(id.layer(), id.projection(), id.expert(), id.component());
    }

    public boolean matches(UnitId id) {
        return (layer == null || layer == id.layer())
                && (projection == null || projection.equals(id.projection()))
                && (expert == null || expert == id.expert())
                && (component == null || component == id.component());
    }
}
