package org.moelab.kernel.magics;

import org.moelab.kernel.MagicException;
import org.moelab.kernel.MagicSchema;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shared options of %moe-quantize and %moe-allocate and the backend request they become (BitsMoeRequest:
 * bits, mode, solver, rank, calibrationSequences, calibrationLength, seed, layers, pins, method, name). Absent options
 * are left out, so the backend's defaults apply.
 */
final class BitsMoeBody {

    private BitsMoeBody() {
    }

    static MagicSchema.Builder options(MagicSchema.Builder b) {
        return b.text("model", "M", null, "model id on the backend ('fp' = the default model)")
                .choice("mode", null, "what the budget counts", "payload", "plus-scales", "plus-basis")
                .choice("solver", null, "allocation solver", "auto", "dp", "greedy", "mip")
                .integer("rank", "R", null, 0, 1 << 16, "shared-basis rank; 0 = H")
                .integer("sequences", "N", null, 1, 4096, "calibration sequences (backend default 128; fewer is faster)")
                .integer("length", "T", null, 2, 1 << 20, "tokens per calibration sequence (backend default 512)")
                .integer("seed", "S", null, 0, Integer.MAX_VALUE, "calibration sampling seed (backend default 1234)")
                .list("layers", "L,..", null, "only these MoE layers (a preview), e.g. 0,1")
                .list("pin", "RULE,..", null, "widths that always win, e.g. layers.0.*=4,layers.*.down=8");
    }

    static Map<String, Object> request(MagicSchema.Args a, double bits) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("bits", bits);
        put(body, "mode", a.text("mode"));
        put(body, "solver", a.text("solver"));
        put(body, "rank", a.integer("rank"));
        put(body, "calibrationSequences", a.integer("sequences"));
        put(body, "calibrationLength", a.integer("length"));
        if (a.integer("seed") != null) body.put("seed", a.integer("seed").longValue());
        if (a.has("layers")) body.put("layers", layers(a.list("layers")));
        if (a.has("pin")) body.put("pins", a.list("pin"));
        return body;
    }

    static List<Integer> layers(List<String> items) {
        List<Integer> out = new ArrayList<>();
        for (String s : items) {
            try {
                out.add(Integer.parseInt(s));
            } catch (NumberFormatException e) {
                throw new MagicException("--layers expects layer numbers like 0,1; got '" + s + "'");
            }
        }
        return out;
    }

    private static void put(Map<String, Object> m, String k, Object v) {
        if (v != null) m.put(k, v);
    }
}
