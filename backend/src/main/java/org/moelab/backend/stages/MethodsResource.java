package org.moelab.backend.stages;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.List;
import java.util.Map;

/** What {@code POST /v1/models/{id}/quantization} accepts as {@code method}: a client can ask instead of trying. */
@Path("/v1/methods")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "stages")
public class MethodsResource {

    /**
     * @param name      the {@code method} value
     * @param bits      which budgets it takes, in words
     * @param fields    the request fields it reads besides {@code method} and {@code name}
     * @param artifact  the model kind its artifact registers as
     */
    public record Method(String name, String bits, List<String> fields, String artifact) {
    }

    static final List<String> CALIBRATION = List.of("calibrationSequences", "calibrationLength", "seed");

    @GET
    @Operation(summary = "The quantization methods, their budgets, the fields each reads and the artifact kind it writes")
    public Map<String, List<Method>> methods() {
        List<String> bitsmoe = List.of("bits", "mode", "solver", "rank", "basis", "candidates", "calibrationSequences", "calibrationLength",
                "seed", "coveragePolicy", "layers", "pins", "publicScales", "sixteen");
        return Map.of("methods", List.of(
                new Method("bitsmoe", "average bits per routed-expert weight in [0, 16]", bitsmoe, "bitsmoe_artifact"),
                new Method("rtn", "an integer width 1..8 for every expert", List.of("bits"), "dequantized_artifact"),
                new Method("gptq", "an integer width 1..8 for every expert", concat(List.of("bits"), CALIBRATION), "dequantized_artifact"),
                new Method("routernorm", "an average the 3/2-bit tiers reach: 2 + k/E", concat(List.of("bits"), CALIBRATION), "dequantized_artifact"),
                new Method("mobie", "fixed binary budget (leave bits out, or 1)", concat(List.of("cejd", "glas", "nges"), CALIBRATION),
                        "mobie_artifact")));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
