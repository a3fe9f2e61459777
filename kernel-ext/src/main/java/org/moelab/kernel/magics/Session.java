package org.moelab.kernel.magics;

import org.moelab.kernel.MagicContext;
import org.moelab.kernel.MagicException;

import java.util.ArrayList;
import java.util.List;

/**
 * Model names as magics accept them: a backend model id, {@code fp} / {@code default} for the backend's default
 * model, {@code last} for the artifact the last %moe-quantize of this kernel wrote.
 */
public final class Session {

    private static volatile String lastArtifact;

    private Session() {
    }

    public static String lastArtifact() {
        return lastArtifact;
    }

    static void lastArtifact(String id) {
        lastArtifact = id;
    }

    /** Resolves one name; null or blank means the default model. */
    static String resolve(MagicContext ctx, String name) throws InterruptedException {
        if (name == null || name.isBlank() || name.equals("fp") || name.equals("default")) {
            String d = ModelList.of(ctx.backend().get("/v1/models")).defaultId();
            if (d == null) throw new MagicException("the backend has no default model; name one with --model (see %moe-models)");
            return d;
        }
        if (name.equals("last")) {
            String a = lastArtifact;
            if (a == null) throw new MagicException("no quantized model yet in this kernel ('last' names the artifact of the last %moe-quantize)");
            return a;
        }
        return name;
    }

    static List<String> resolveAll(MagicContext ctx, List<String> names) throws InterruptedException {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            String id = resolve(ctx, n);
            if (!out.contains(id)) out.add(id);
        }
        return out;
    }
}
