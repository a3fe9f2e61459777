package org.moelab.backend.stages;

import org.moelab.bitsmoe.decomposition.ProjectionFactors;
import org.moelab.bitsmoe.decomposition.Spectrum;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One projection's spectrum (methods.md §1.1) as the API returns it: the normalized eigenvalue curve and its
 * cumulative sum over the first {@code directions} shared directions, each expert's energy s²_{e,k} along them,
 * and each expert's total energy over all r directions.
 *
 * @param directionsFor  smallest k carrying 50 / 90 / 99 % of the energy
 * @param expertEnergies (E, directions)
 * @param expertTotals   (E) Σ_k s²_{e,k} over all r
 */
public record SpectrumView(int layer, String projection, int experts, int rank, int directions, Map<String, Integer> directionsFor,
                           double[] normalized, double[] cumulative, double[][] expertEnergies, double[] expertTotals) {

    public static SpectrumView of(ProjectionFactors f, int maxDirections) {
        Spectrum s = Spectrum.of(f);
        int k = Math.min(maxDirections, s.rank());
        double[][] energies = new double[s.experts()][];
        double[] totals = new double[s.experts()];
        for (int e = 0; e < s.experts(); e++) {
            energies[e] = Arrays.copyOfRange(s.expertEnergies(), e * s.rank(), e * s.rank() + k);
            for (int j = 0; j < s.rank(); j++) totals[e] += s.expertEnergies()[e * s.rank() + j];
        }
        Map<String, Integer> dirs = new LinkedHashMap<>();
        for (double q : new double[]{0.5, 0.9, 0.99}) dirs.put(Double.toString(q), s.directionsFor(q));
        return new SpectrumView(s.layer(), s.projection(), s.experts(), s.rank(), k, dirs,
                Arrays.copyOf(s.normalized(), Math.min(k, s.normalized().length)),
                Arrays.copyOf(s.cumulative(), Math.min(k, s.cumulative().length)), energies, totals);
    }
}
