package org.moelab.kernel.render;

import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import io.github.spencerpark.jupyter.kernel.display.DisplayDataRenderable;
import io.github.spencerpark.jupyter.kernel.display.RenderContext;
import io.github.spencerpark.jupyter.kernel.display.mime.MIMEType;

import java.util.List;
import java.util.Set;

/**
 * A value that renders itself in a notebook. {@link #toDisplayData()} is its main output (text/plain plus
 * text/html); {@link #displays()} is what a magic shows, one output per piece (the table, then each chart as
 * its own image/svg+xml output). Works in the moelab kernel and in IJava (both render
 * {@link DisplayDataRenderable}s).
 */
public interface Rich extends DisplayDataRenderable {

    DisplayData toDisplayData();

    default List<DisplayData> displays() {
        return List.of(toDisplayData());
    }

    @Override
    default Set<MIMEType> getSupportedRenderTypes() {
        return Set.of(MIMEType.TEXT_PLAIN, MIMEType.TEXT_HTML, MIMEType.IMAGE_SVG);
    }

    @Override
    default Set<MIMEType> getPreferredRenderTypes() {
        return getSupportedRenderTypes();
    }

    @Override
    default void render(RenderContext ctx) {
        ctx.getOutputContainer().assign(toDisplayData());
    }

    /** text/plain and text/html together. */
    static DisplayData of(String text, String html) {
        DisplayData d = new DisplayData(text);
        if (html != null) d.putHTML(html);
        return d;
    }
}
