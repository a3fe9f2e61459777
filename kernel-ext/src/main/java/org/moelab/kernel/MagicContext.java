package org.moelab.kernel;

import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import org.moelab.kernel.client.BackendClient;
import org.moelab.kernel.render.Rich;

import java.io.PrintStream;

/** What a running magic may use: the notebook's output area and the backend client. */
public interface MagicContext {

    /** Appends an output to the running cell. */
    void display(DisplayData data);

    /** Appends an output that {@link #update} can later replace in place; returns its display id. */
    String displayUpdatable(DisplayData data);

    void update(String displayId, DisplayData data);

    /** The cell's stdout. */
    PrintStream out();

    /** The backend client (created on first use from MOELAB_BACKEND_URL / MOELAB_API_TOKEN). */
    BackendClient backend();

    /** Shows each of {@code value}'s outputs: its table, then each chart as its own output. */
    default void show(Rich value) {
        value.displays().forEach(this::display);
    }
}
