package org.moelab.checkpoint;

import org.moelab.model.ExpertWeights;
import org.moelab.model.MoeModel;
import org.moelab.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What every moelab output directory shares: the model files copied from the source, the source tensors a
 * method leaves alone, and an all-or-nothing write (a temporary sibling renamed into place; an existing
 * output is replaced only if it is itself a moelab output, i.e. holds {@code moelab.json}).
 */
public final class ArtifactDirectory {

    public static final String MANIFEST = "moelab.json";
    public static final List<String> MODEL_FILES = List.of("config.json", "generation_config.json", "tokenizer.json",
            "tokenizer_config.json", "special_tokens_map.json", "vocab.json", "merges.txt", "tokenizer.model");

    /** The {@code format} of a directory's {@code moelab.json}; empty when there is none, null when it is unreadable. */
    public static String manifestFormat(Path dir) {
        Path f = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(f)) return "";
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(f.toFile()).path("format").asText();
        } catch (IOException e) {
            return null;
        }
    }

    /** Fills the temporary directory; it is renamed into place after this returns. */
    @FunctionalInterface
    public interface Contents {
        void writeInto(Path tmp) throws IOException;
    }

    private ArtifactDirectory() {
    }

    /** Writes {@code out} all or nothing; refuses to replace a directory that is not a moelab output. */
    public static void write(Path out, Contents contents) {
        Path abs = out.toAbsolutePath().normalize();
        if (Files.exists(abs) && !Files.isRegularFile(abs.resolve(MANIFEST)) && !isEmptyDir(abs)) {
            throw new IllegalArgumentException(abs + " exists and is not a moelab artifact; refusing to overwrite it");
        }
        Path tmp = abs.resolveSibling("." + abs.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try {
            deleteTree(tmp);
            Files.createDirectories(tmp);
            contents.writeInto(tmp);
            swapInto(tmp, abs);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + abs + ": " + e.getMessage(), e);
        } finally {
            try {
                deleteTree(tmp);
            } catch (IOException ignored) {
                // best effort; the output itself is complete or untouched
            }
        }
    }

    /** config.json, tokenizer files and the like, from the source model directory. */
    public static void copyModelFiles(Path sourceDir, Path tmp) throws IOException {
        for (String f : MODEL_FILES) {
            Path src = sourceDir.resolve(f);
            if (Files.isRegularFile(src)) Files.copy(src, tmp.resolve(f));
        }
    }

    /** The checkpoint names of the routed-expert tensors of the given layers. */
    public static Set<String> expertTensorNames(MoeModel model, Set<Integer> layers) {
        Set<String> names = new HashSet<>();
        for (int l : layers) {
            for (ExpertWeights e : model.layers().get(l).moe().experts()) {
                for (Tensor t : List.of(e.gate(), e.up(), e.down())) names.add(baseName(t.name()));
            }
        }
        return names;
    }

    /**
     * Every source tensor except {@code skip}, bytes as they are, in name order. Only views are recorded: the bytes
     * are copied from the mapped source when {@code w} writes, so {@code source} must stay open until then.
     */
    public static void copyTensorsExcept(CheckpointWriter w, Checkpoint source, Set<String> skip) {
        List<Tensor> all = new ArrayList<>(source.tensors());
        all.sort(Comparator.comparing(Tensor::name));
        for (Tensor t : all) {
            if (skip.contains(t.name())) continue;
            w.add(t.name(), t.dtype(), t.shape(), t.data());
        }
    }

    /** A tensor view's checkpoint name: "experts.gate_up_proj[3][0:128]" → "experts.gate_up_proj". */
    public static String baseName(String name) {
        int i = name.indexOf('[');
        return i < 0 ? name : name.substring(0, i);
    }

    private static boolean isEmptyDir(Path p) {
        try (Stream<Path> s = Files.list(p)) {
            return Files.isDirectory(p) && s.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    /** Renames tmp to out; an existing output is moved aside first and deleted after. */
    private static void swapInto(Path tmp, Path out) throws IOException {
        Path old = null;
        if (Files.exists(out)) {
            old = out.resolveSibling("." + out.getFileName() + ".old-" + ProcessHandle.current().pid());
            deleteTree(old);
            Files.move(out, old, StandardCopyOption.ATOMIC_MOVE);
        }
        try {
            Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (old != null) Files.move(old, out, StandardCopyOption.ATOMIC_MOVE);
            throw e;
        }
        if (old != null) deleteTree(old);
    }

    public static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(x);
        }
    }
}
