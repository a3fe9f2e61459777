package org.moelab.kernel.magics;

import io.github.spencerpark.jupyter.kernel.display.DisplayData;
import org.moelab.kernel.Magic;
import org.moelab.kernel.MagicContext;
import org.moelab.kernel.MagicException;
import org.moelab.kernel.MagicSchema;
import org.moelab.kernel.render.Html;
import org.moelab.kernel.render.Rich;

import java.util.ArrayList;
import java.util.List;

/** %moe-unload: frees models on the backend (DELETE /v1/models/{id}); artifact files stay on disk. */
public final class UnloadMagic extends Magic<UnloadMagic.Unloaded> {

    /** The models that were unloaded. */
    public record Unloaded(List<String> models) implements Rich {
        @Override
        public DisplayData toDisplayData() {
            String s = models.isEmpty() ? "nothing to unload" : "unloaded " + String.join(", ", models);
            return Rich.of(s, Html.escape(s));
        }
    }

    public UnloadMagic() {
        super(MagicSchema.builder("moe-unload", "Unload and unregister models on the backend to free memory (artifact files stay "
                        + "on disk; register them again with POST /v1/models).")
                .flag("artifacts", "unload every quantized artifact")
                .positional("MODEL...", "model ids, or 'last' (the last %moe-quantize artifact)")
                .example("%moe-unload last")
                .example("%moe-unload --artifacts")
                .build(), Unloaded.class);
    }

    @Override
    protected Unloaded run(MagicSchema.Args a, String body, MagicContext ctx) throws InterruptedException {
        List<String> ids = new ArrayList<>();
        for (String p : a.positional()) {
            for (String n : p.split(",")) if (!n.isBlank()) ids.add(n.strip().equals("last") ? Session.resolve(ctx, "last") : n.strip());
        }
        if (a.flag("artifacts")) {
            for (ModelList.Model m : ModelList.of(ctx.backend().get("/v1/models")).models()) {
                if (m.kind() != null && m.kind().endsWith("_artifact") && !ids.contains(m.id())) ids.add(m.id());
            }
        }
        if (ids.isEmpty() && !a.flag("artifacts")) throw new MagicException("name the models to unload (see %moe-models), or use --artifacts");
        for (String id : ids) ctx.backend().delete("/v1/models/" + id);
        if (ids.contains(Session.lastArtifact())) Session.lastArtifact(null);
        Unloaded u = new Unloaded(List.copyOf(ids));
        ctx.show(u);
        return u;
    }
}
