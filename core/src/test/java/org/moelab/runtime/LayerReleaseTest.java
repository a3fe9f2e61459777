package org.moelab.runtime;

import org.junit.jupiter.api.Test;
import org.moelab.TestData;
import org.moelab.model.ModelLoader;
import org.moelab.model.MoeModel;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The forward pass tells its observer when each decoder layer is done (calibration releases that layer's mapped
 * pages there), and releasing mapped pages between layers, even in the middle of a pass, changes no output.
 */
class LayerReleaseTest {

    @Test
    void observerHearsEveryLayerInOrderAndReleasingPagesChangesNothing() {
        try (MoeModel m = ModelLoader.load(TestData.teachingModel())) {
            int[] ids = {5, 17, 99, 3, 250, 8};
            Transformer t = new Transformer(m);
            float[] plain = t.newSession().feedAll(ids);
            List<Integer> done = new ArrayList<>();
            InferenceSession s = t.newSession();
            s.setRoutingObserver(new RoutingObserver() {
                @Override
                public void onToken(int layer, float[] input, int[] experts, float[] weights) {
                }

                @Override
                public void onLayerDone(int layer) {
                    done.add(layer);
                    m.releaseMappedPages(layer);
                }
            });
            float[] released = s.feedAll(ids);
            List<Integer> want = new ArrayList<>();
            for (int l = 0; l < m.config().layers(); l++) want.add(l);
            assertEquals(want, done, "one onLayerDone per decoder layer, in order");
            assertArrayEquals(plain, released, "released pages fault back in with the same bytes");
            m.releaseMappedPages();
            assertArrayEquals(plain, t.newSession().feedAll(ids));
        }
    }
}
