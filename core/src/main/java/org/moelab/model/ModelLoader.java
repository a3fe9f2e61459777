package org.moelab.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.moelab.checkpoint.Checkpoint;
import org.moelab.checkpoint.CheckpointException;
import org.moelab.checkpoint.CheckpointException.Problem;
import org.moelab.model.family.ConfigReader;
import org.moelab.model.family.ModelFamilies;
import org.moelab.model.family.ModelFamily;
import org.moelab.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Loads a Hugging Face MoE checkpoint: config.json + safetensors, validated before use. */
public final class ModelLoader {

    private ModelLoader() {
    }

    /** A model directory holding config.json and model.safetensors (or shards + index). */
    public static MoeModel load(Path dir) {
        return load(dir, true);
    }

    /** As {@link #load(Path)}; without {@code routedExperts} the routed expert tensors are not required. */
    public static MoeModel load(Path dir, boolean routedExperts) {
        return load(dir, l -> routedExperts);
    }

    /** As {@link #load(Path)}, reading routed experts only for the layers {@code routedExpertsAt} accepts. */
    public static MoeModel load(Path dir, java.util.function.IntPredicate routedExpertsAt) {
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(Problem.FILE_UNREADABLE, dir, null, "not a model directory");
        }
        Path config = dir.resolve("config.json");
        ModelConfig cfg = readConfig(config);
        Checkpoint cp = Checkpoint.openDirectory(dir);
        return assemble(dir, cfg, cp, routedExpertsAt);
    }

    /** A config file and explicit weight files (fixtures keep several models in one folder). */
    public static MoeModel load(Path configFile, List<Path> weightFiles) {
        ModelConfig cfg = readConfig(configFile);
        return assemble(configFile.getParent(), cfg, Checkpoint.openFiles(weightFiles), l -> true);
    }

    public static ModelConfig readConfig(Path configFile) {
        return familyAndConfig(configFile).config();
    }

    private record Parsed(ModelFamily family, ModelConfig config) {
    }

    private static Parsed familyAndConfig(Path configFile) {
        if (!Files.isRegularFile(configFile)) {
            throw new CheckpointException(Problem.FILE_UNREADABLE, configFile, null, "config.json not found");
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(configFile.toFile());
        } catch (IOException e) {
            throw new CheckpointException(Problem.BAD_JSON, configFile, null, "config is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointException(Problem.BAD_JSON, configFile, null, "config is not a JSON object");
        }
        JsonNode type = root.get("model_type");
        if (type == null || !type.isTextual()) {
            throw new CheckpointException(Problem.BAD_CONFIG, configFile, null, "config has no \"model_type\"");
        }
        ModelFamily family = ModelFamilies.forType(type.asText(), configFile);
        return new Parsed(family, family.config(new ConfigReader(root, configFile)));
    }

    private static MoeModel assemble(Path source, ModelConfig cfg, Checkpoint cp, java.util.function.IntPredicate routedExperts) {
        try {
            ModelFamily family = ModelFamilies.forType(cfg.modelType(), source);
            List<LayerWeights> layers = new ArrayList<>();
            for (int l = 0; l < cfg.layers(); l++) layers.add(family.layer(cp, cfg, l, routedExperts.test(l)));
            Tensor embed = cp.get(family.embeddingName(), cfg.vocabSize(), cfg.hidden());
            Tensor head = cfg.tiedEmbeddings() && !cp.has(family.lmHeadName())
                    ? embed : cp.get(family.lmHeadName(), cfg.vocabSize(), cfg.hidden());
            Tensor norm = cp.get(family.finalNormName(), cfg.hidden());
            return new MoeModel(source, cfg, embed, List.copyOf(layers), norm, head, cp);
        } catch (RuntimeException e) {
            cp.close();
            throw e;
        }
    }
}
