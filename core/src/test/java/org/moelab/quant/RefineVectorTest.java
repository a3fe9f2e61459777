package org.moelab.quant;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The Vector API rint/refit loop of the 2/3/4-bit quantizer against the scalar loop it replaced: the same codes
 * (float division, ties to even, clamp) and the same fp16 scale, on awkward lengths, exact half-steps and values
 * far outside the range.
 */
class RefineVectorTest {

    @Test
    void vectorRefineGivesTheScalarCodesAndScale() {
        SymmetricGroupQuantizer quantizer = new SymmetricGroupQuantizer();
        SplittableRandom r = new SplittableRandom(11);
        int cases = 0;
        for (int n : new int[] {1, 7, 15, 16, 17, 31, 128, 129, 768}) {
            for (int bits = 2; bits <= 4; bits++) {
                int lo = -(1 << (bits - 1));
                int hi = (1 << (bits - 1)) - 1;
                for (int rep = 0; rep < 60; rep++) {
                    float[] x = new float[n + 3];
                    float step = 0.125f;
                    for (int i = 0; i < x.length; i++) {
                        x[i] = switch (rep % 4) {
                            case 0 -> (float) r.nextGaussian();
                            case 1 -> step * (r.nextInt(4 * hi + 3) - 2 * hi - 1) / 2f;   // exact half-steps: rint ties
                            case 2 -> (float) (r.nextGaussian() * (r.nextInt(10) == 0 ? 1e4 : 1));   // far outside the range
                            default -> (float) r.nextGaussian() * 1e-3f;
                        };
                    }
                    float start = rep % 4 == 1 ? step : (float) Math.abs(r.nextGaussian()) + 1e-3f;
                    int[] qv = new int[n];
                    int[] qs = new int[n];
                    short hv = quantizer.refine(x, 3, n, lo, hi, start, qv);
                    short hs = quantizer.refineScalar(x, 3, n, lo, hi, start, qs);
                    String where = "n " + n + ", " + bits + " bit, case " + rep;
                    assertArrayEquals(qs, qv, where);
                    assertEquals(hs, hv, where);
                    cases++;
                }
            }
        }
        assertEquals(9 * 3 * 60, cases);
    }

    @Test
    void quantizedVectorsAreUnchangedOnRandomUnitVectors() {
        // the whole 2/3/4-bit fit (refine + finish over every start) against the scalar refine's codes
        SymmetricGroupQuantizer q = new SymmetricGroupQuantizer();
        SplittableRandom r = new SplittableRandom(5);
        for (int k = 0; k < 200; k++) {
            float[] x = new float[768];
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
            for (int bits = 2; bits <= 4; bits++) {
                QuantizedVector v = q.quantize(x, 0, x.length, bits);
                int lo = -(1 << (bits - 1));
                int hi = (1 << (bits - 1)) - 1;
                for (int gi = 0; gi < v.scales().length; gi++) {
                    float s = Float.float16ToFloat(v.scales()[gi]);
                    for (int i = gi * 128; i < Math.min(x.length, gi * 128 + 128); i++) {
                        assertEquals(SymmetricGroupQuantizer.code(x[i], s, lo, hi), v.codes()[i], "codes are rint-clamp against the stored scale");
                    }
                }
            }
        }
    }
}
