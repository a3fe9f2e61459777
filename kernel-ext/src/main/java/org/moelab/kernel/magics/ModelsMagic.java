package org.moelab.kernel.magics;

import org.moelab.kernel.Magic;
import org.moelab.kernel.MagicContext;
import org.moelab.kernel.MagicSchema;

/** %moe-models: what the backend has registered, loaded, and how much memory it maps. */
public final class ModelsMagic extends Magic<ModelList> {

    public ModelsMagic() {
        super(MagicSchema.builder("moe-models", "List the backend's models: id, kind (checkpoint or quantized artifact), state, "
                        + "quantization and memory. Names usable in other magics: an id, 'fp' (the default model), 'last' (the last "
                        + "%moe-quantize result).")
                .example("%moe-models")
                .example("var models = %moe-models")
                .build(), ModelList.class);
    }

    @Override
    protected ModelList run(MagicSchema.Args args, String body, MagicContext ctx) throws InterruptedException {
        ModelList list = ModelList.of(ctx.backend().get("/v1/models"));
        ctx.show(list);
        return list;
    }
}
