package org.moelab.baselines;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moelab.Progress;
import org.moelab.TestData;
import org.moelab.checkpoint.Checkpoint;
import org.moelab.model.ModelLoader;
import org.moelab.model.MoeModel;
import org.moelab.runtime.Transformer;
import org.moelab.tensor.DType;

import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** RTN's attention option: only q/k/v/o change, to exactly the quantizer's values, and they survive saving. */
class RtnAttentionTest {

    @TempDir
    Path tmp;

    @Test
    void attentionIsRoundedToNearestAndSavedExactly() {
        MinMaxGroupQuantizer q = new MinMaxGroupQuantizer(3, 128, false);
        try (MoeModel model = ModelLoader.load(TestData.teachingModel())) {
            MoeModel view = Rtn.withQuantizedAttention(model, q);
            var a = model.layers().get(2).attention();
            var qa = view.layers().get(2).attention();
            assertArrayEquals(q.roundToNearest(DequantizedExperts.floats(a.k()), (int) a.k().rows(), a.k().cols()), qa.k().toFloatArray());
            assertFalse(Arrays.equals(DequantizedExperts.floats(a.o()), qa.o().toFloatArray()), "3-bit RTN changes the weights");
            assertSame(model.layers().get(2).moe(), view.layers().get(2).moe(), "experts untouched");
            assertSame(a.qNorm(), qa.qNorm(), "norms untouched");

            int[] ids = new int[64];
            for (int i = 0; i < ids.length; i++) ids[i] = (i * 37 + 11) % 4096;
            float[] fp = new Transformer(model).newSession().feedAll(ids);
            float[] rtn = new Transformer(view).newSession().feedAll(ids);
            assertFalse(Arrays.equals(fp, rtn));

            Path out = tmp.resolve("rtn-attn");
            DequantizedArtifact.write(out, model, Rtn.quantize(model, q, Progress.NONE), Rtn.attentionTensors(view), "rtn", 3, 3,
                    3.25, 128, null, "attention too");
            try (Checkpoint cp = Checkpoint.openDirectory(out)) {
                var saved = cp.get(a.k().name());
                assertEquals(DType.F32, saved.dtype());
                assertArrayEquals(qa.k().toFloatArray(), saved.toFloatArray());
            }
            try (MoeModel reloaded = ModelLoader.load(out)) {
                float[] again = new Transformer(reloaded, DequantizedExperts.layers(reloaded, Rtn.quantize(model, q, Progress.NONE)))
                        .newSession().feedAll(ids);
                float[] inMemory = new Transformer(view, DequantizedExperts.layers(view, Rtn.quantize(model, q, Progress.NONE)))
                        .newSession().feedAll(ids);
                assertTrue(Arrays.equals(inMemory, again), "the saved checkpoint reproduces the in-memory model");
            }
        }
    }
}
