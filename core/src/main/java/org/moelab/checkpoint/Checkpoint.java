package org.moelab.checkpoint;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.moelab.checkpoint.CheckpointException.Problem;
import org.moelab.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * All tensors of a checkpoint: one {@code .safetensors} file, or the shards named by
 * {@code model.safetensors.index.json}. Tensors stay memory-mapped until {@link #close()}.
 */
public final class Checkpoint implements AutoCloseable {

    public static final String INDEX_FILE = "model.safetensors.index.json";
    public static final String SINGLE_FILE = "model.safetensors";

    private static final ObjectMapper INDEX_JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final List<SafetensorsFile> files;
    private final Map<String, Tensor> tensors;
    private final Map<String, Path> owners;

    private Checkpoint(List<SafetensorsFile> files, Map<String, Tensor> tensors, Map<String, Path> owners) {
        this.files = files;
        this.tensors = tensors;
        this.owners = owners;
    }

    /** Opens the weights of a Hugging Face model directory (sharded or single file). */
    public static Checkpoint openDirectory(Path dir) {
        Path index = dir.resolve(INDEX_FILE);
        if (Files.isRegularFile(index)) return openSharded(index);
        Path single = dir.resolve(SINGLE_FILE);
        if (Files.isRegularFile(single)) return openFiles(List.of(single));
        try (var list = Files.list(dir)) {
            List<Path> found = list.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
            if (!found.isEmpty()) return openFiles(found);
        } catch (IOException e) {
            throw new CheckpointException(Problem.FILE_UNREADABLE, dir, null, "cannot list directory: " + e.getMessage(), e);
        }
        throw new CheckpointException(Problem.FILE_UNREADABLE, dir, null,
                "no " + SINGLE_FILE + ", " + INDEX_FILE + " or other .safetensors file in the directory");
    }

    private static Checkpoint openSharded(Path index) {
        JsonNode root;
        try {
            root = INDEX_JSON.readTree(index.toFile());
        } catch (IOException e) {
            throw new CheckpointException(Problem.BAD_JSON, index, null, "index is not valid JSON: " + e.getMessage(), e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new CheckpointException(Problem.BAD_JSON, index, null, "index has no \"weight_map\" object");
        }
        if (map.isEmpty()) {
            throw new CheckpointException(Problem.BAD_JSON, index, null, "index has an empty \"weight_map\"");
        }
        // Absolute, so that a bare relative index path still has a parent to confine the shards to.
        Path dir = index.toAbsolutePath().normalize().getParent();
        Map<String, Path> shardOf = new LinkedHashMap<>();
        Set<Path> paths = new LinkedHashSet<>();   // one entry per file, however the index spells it
        for (var e : map.properties()) {
            if (!e.getValue().isTextual()) {
                throw new CheckpointException(Problem.BAD_JSON, index, e.getKey(),
                        "weight_map value " + e.getValue() + " is not a shard file name");
            }
            String s = e.getValue().asText();
            Path p = dir.resolve(s).normalize();
            if (!p.startsWith(dir)) {
                throw new CheckpointException(Problem.BAD_JSON, index, null, "shard " + s + " lies outside the model directory");
            }
            if (p.equals(dir)) {
                throw new CheckpointException(Problem.BAD_JSON, index, e.getKey(), "shard \"" + s + "\" names no file");
            }
            shardOf.put(e.getKey(), p);
            paths.add(p);
        }
        Checkpoint cp = openFiles(List.copyOf(paths));
        for (var e : shardOf.entrySet()) {
            Path expected = e.getValue();
            Path actual = cp.owners.get(e.getKey());
            if (actual == null) {
                cp.close();
                throw new CheckpointException(Problem.MISSING_TENSOR, expected, e.getKey(), "the index names it but its shard does not hold it");
            }
        }
        return cp;
    }

    /** Opens the given files as one checkpoint; a tensor name in two files is an error. */
    public static Checkpoint openFiles(List<Path> paths) {
        List<SafetensorsFile> files = new ArrayList<>();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, Path> owners = new LinkedHashMap<>();
        try {
            for (Path p : paths) {
                SafetensorsFile f = SafetensorsFile.open(p);
                files.add(f);
                for (var e : f.tensors().entrySet()) {
                    Path prev = owners.putIfAbsent(e.getKey(), p);
                    if (prev != null) {
                        throw new CheckpointException(Problem.DUPLICATE_TENSOR, p, e.getKey(), "also stored in " + prev);
                    }
                    tensors.put(e.getKey(), e.getValue());
                }
            }
        } catch (RuntimeException e) {
            files.forEach(SafetensorsFile::close);
            throw e;
        }
        return new Checkpoint(files, tensors, owners);
    }

    public boolean has(String name) {
        return tensors.containsKey(name);
    }

    /** The tensor, or a {@link Problem#MISSING_TENSOR} error naming it and the checkpoint's files. */
    public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new CheckpointException(Problem.MISSING_TENSOR, files.isEmpty() ? null : files.getFirst().path(), name,
                    "the architecture needs this tensor but the checkpoint (" + files.size() + " file(s)) does not have it");
        }
        return t;
    }

    /** The tensor with the expected shape, else a shape error naming it. */
    public Tensor get(String name, long... shape) {
        Tensor t = get(name);
        if (!t.dtype().isFloating()) {
            throw new CheckpointException(Problem.UNSUPPORTED_DTYPE, owners.get(name), name,
                    "dtype " + t.dtype().safetensorsName() + " is not supported for model weights (BF16, F16, F32 are)");
        }
        if (!java.util.Arrays.equals(t.shape(), shape)) {
            throw new CheckpointException(Problem.SHAPE_MISMATCH, owners.get(name), name,
                    "shape " + java.util.Arrays.toString(t.shape()) + " but config.json implies " + java.util.Arrays.toString(shape));
        }
        return t;
    }

    public Collection<Tensor> tensors() {
        return tensors.values();
    }

    public long totalBytes() {
        return tensors.values().stream().mapToLong(t -> t.data().byteSize()).sum();
    }

    public List<Path> files() {
        return files.stream().map(SafetensorsFile::path).toList();
    }

    public Map<String, String> metadata() {
        Map<String, String> all = new LinkedHashMap<>();
        files.forEach(f -> all.putAll(f.metadata()));
        return all;
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
