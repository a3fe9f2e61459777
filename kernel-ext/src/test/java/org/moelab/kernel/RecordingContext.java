package org.moelab.kernel;

import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import io.github.spencerpark.jupyter.kernel.display.mime.MIMEType;
import org.moelab.kernel.client.BackendClient;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A {@link MagicContext} that keeps every output (and every in-place update) for assertions. */
public final class RecordingContext implements MagicContext {

    public final List<DisplayData> displayed = new ArrayList<>();
    public final Map<String, List<DisplayData>> updates = new LinkedHashMap<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final BackendClient client;
    private int ids;

    public RecordingContext(BackendClient client) {
        this.client = client;
    }

    @Override
    public synchronized void display(DisplayData data) {
        displayed.add(data);
    }

    @Override
    public synchronized String displayUpdatable(DisplayData data) {
        String id = "d" + ids++;
        displayed.add(data);
        updates.put(id, new ArrayList<>());
        return id;
    }

    @Override
    public synchronized void update(String displayId, DisplayData data) {
        updates.get(displayId).add(data);
    }

    @Override
    public PrintStream out() {
        return new PrintStream(out, true, StandardCharsets.UTF_8);
    }

    public String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public BackendClient backend() {
        return client;
    }

    public synchronized long count(MIMEType type) {
        return displayed.stream().filter(d -> d.hasDataForType(type)).count();
    }

    public synchronized String allText() {
        StringBuilder sb = new StringBuilder();
        for (DisplayData d : displayed) sb.append(d.getData(MIMEType.TEXT_PLAIN)).append('\n');
        return sb.toString();
    }
}
