package org.moelab.model.family;

import org.moelab.checkpoint.CheckpointException;
import org.moelab.checkpoint.CheckpointException.Problem;

import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;

/** The registry of supported families, looked up by config.json's {@code model_type}. */
public final class ModelFamilies {

    private static final List<ModelFamily> ALL = List.of(
            new Qwen3MoeFamily(), Qwen3MoeFamily.qwen2(), new MixtralFamily(), new OlmoeFamily());

    private ModelFamilies() {
    }

    public static List<ModelFamily> all() {
        return ALL;
    }

    public static TreeSet<String> supportedTypes() {
        TreeSet<String> s = new TreeSet<>();
        ALL.forEach(f -> s.addAll(f.modelTypes()));
        return s;
    }

    public static ModelFamily forType(String modelType, Path configFile) {
        for (ModelFamily f : ALL) {
            if (f.modelTypes().contains(modelType)) return f;
        }
        throw new CheckpointException(Problem.UNSUPPORTED_ARCHITECTURE, configFile, null,
                "model_type '" + modelType + "' is not supported; supported: " + String.join(", ", supportedTypes()));
    }
}
