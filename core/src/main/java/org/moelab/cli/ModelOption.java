package org.moelab.cli;

import org.moelab.baselines.DequantizedArtifact;
import org.moelab.bitsmoe.artifact.BitsMoeArtifact;
import org.moelab.mobie.artifact.MobieArtifact;
import org.moelab.model.ModelLoader;
import org.moelab.model.MoeModel;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** {@code --model DIR}, defaulting to the bundled teaching model. */
final class ModelOption {

    static final String TEACHING_MODEL = "models/moelab-tiny-qwen3moe";

    @Option(names = {"-m", "--model"}, paramLabel = "DIR",
            description = "Hugging Face model directory (config.json + safetensors). Default: the bundled teaching model.")
    Path model;

    Path resolve() {
        return model != null ? model : defaultModel();
    }

    /** The model or quantized artifact at --model, ready to run. */
    BitsMoeArtifact.Loaded open() {
        return open(resolve());
    }

    /** The model or quantized artifact (BitsMoE, MoBiE, dequantized) at {@code dir}, ready to run. */
    static BitsMoeArtifact.Loaded open(Path dir) {
        if (DequantizedArtifact.isDequantized(dir)) Log.info("%s holds dequantized (simulated) weights written by quantize", dir);
        if (MobieArtifact.isArtifact(dir)) {
            long t0 = System.nanoTime();
            BitsMoeArtifact.Loaded a = MobieArtifact.load(dir);
            Log.info("loaded %s artifact %s (packed binary experts: %.3f bits/weight papers' convention, %.3f honest; layers %s) in %.0f ms",
                    a.manifest().method(), dir, a.manifest().bitsPayload(), a.manifest().bitsWithBasis(), a.manifest().layers(),
                    (System.nanoTime() - t0) / 1e6);
            return a;
        }
        if (!BitsMoeArtifact.isArtifact(dir)) return BitsMoeArtifact.Loaded.plain(loadCheckpoint(dir));
        long t0 = System.nanoTime();
        BitsMoeArtifact.Loaded a = BitsMoeArtifact.load(dir);
        Log.info("loaded %s artifact %s (%.2f payload bits/weight, layers %s) in %.0f ms", a.manifest().method(), dir,
                a.manifest().bitsPayload(), a.manifest().layers(), (System.nanoTime() - t0) / 1e6);
        return a;
    }

    MoeModel load() {
        return loadCheckpoint(resolve());
    }

    static MoeModel loadCheckpoint(Path dir) {
        long t0 = System.nanoTime();
        MoeModel m = ModelLoader.load(dir);
        Log.info("loaded %s (%s, %d layers, %d experts top-%d) in %.0f ms", dir, m.config().modelType(),
                m.config().layers(), m.config().experts(), m.config().topK(), (System.nanoTime() - t0) / 1e6);
        return m;
    }

    /** The repository root: {@code moelab.home} (set by the launcher), else the working directory. */
    static Path home() {
        String h = System.getProperty("moelab.home");
        return h != null ? Paths.get(h) : Paths.get("").toAbsolutePath();
    }

    static Path defaultModel() {
        Path p = home().resolve(TEACHING_MODEL);
        if (!Files.isDirectory(p)) {
            throw new IllegalArgumentException("the bundled teaching model is not at " + p + "; pass --model DIR");
        }
        return p;
    }
}
