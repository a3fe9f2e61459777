package org.moelab.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Backend answers shaped like backend/src/main/java (ModelView, JobView, PlanView, SpectrumView, GenerateResponse). */
public final class Fixtures {

    private Fixtures() {
    }

    public static final String MODELS = """
            {"models":[
              {"id":"moelab-tiny-qwen3moe","path":"/repo/models/moelab-tiny-qwen3moe","kind":"checkpoint","state":"ready",
               "origin":"default","isDefault":true,"memory":{"mappedBytes":18874368,"heapBytes":0},"loadSeconds":0.4},
              {"id":"tiny-3b","path":"/data/artifacts/tiny-3b","kind":"bitsmoe_artifact","state":"available","origin":"artifact",
               "isDefault":false,"quantization":{"method":"bitsmoe","budgetBits":3.0,"bitsWithScales":3.19}}
            ],"mappedBytes":18874368,"heapBytes":0,"jvm":{"heapUsedBytes":1,"heapMaxBytes":2}}""";

    public static String job(String id, String kind, String state, String stage, long done, long total, double fraction) {
        return String.format(Locale.ROOT, """
                {"id":"%s","kind":"%s","model":"moelab-tiny-qwen3moe","state":"%s","stage":"%s","done":%d,"total":%d,
                 "fraction":%s,"etaSeconds":null,"cancelRequested":false,"createdAt":"2026-01-01T00:00:00Z","links":{},"seq":%d}""",
                id, kind, state, stage, done, total, fraction, done + 1).replace("\n", "");
    }

    public static String plan(double bits) {
        List<String> groups = new ArrayList<>();
        for (int l = 0; l < 4; l++) {
            for (String p : List.of("gate", "up", "down")) {
                double avg = p.equals("down") ? bits + 1 : bits - 0.5 + 0.1 * l;
                groups.add(String.format(Locale.ROOT, "{\"layer\":%d,\"projection\":\"%s\",\"expert\":null,\"units\":4096,\"elements\":524288,"
                        + "\"averageBits\":%s,\"histogram\":{\"0\":100,\"2\":1000,\"3\":2000,\"4\":996}}", l, p, avg));
            }
        }
        return String.format(Locale.ROOT, """
                {"bits":%s,"mode":"payload","bitsPayload":%s,"bitsWithScales":%s,"bitsWithBasis":%s,
                 "histogram":{"0":1200,"2":12000,"3":24000,"4":11952},"byLayerProjection":[%s],
                 "predictedCost":%s,"solver":"dp","state":"OPTIMAL","gap":null,"allocationSeconds":0.25,
                 "coverage":{"layers":[0,1,2,3],"tokens":[%s],"threshold":12,"policy":"floor","flagged":[{"layer":1,"expert":3,"tokens":5}]},
                 "estimate":{"artifactBytes":9000000,"peakMemoryBytes":50000000,"packAndWriteSeconds":1.5},
                 "stages":[{"stage":"calibrate","seconds":3.0,"peakHeapBytes":1000}],"fallbacks":[],
                 "calibration":{"name":"corpora","sequences":16,"length":128,"seed":1234,"sha256":"ab"}}""",
                bits, bits, bits + 0.2, bits + 2.2, String.join(",", groups), 1000.0 / (bits * bits),
                String.join(",", List.of(tokens(0), tokens(1), tokens(2), tokens(3)))).replace("\n", "");
    }

    private static String tokens(int layer) {
        List<String> t = new ArrayList<>();
        for (int e = 0; e < 16; e++) t.add(Integer.toString(100 + 10 * e + layer));
        return "[" + String.join(",", t) + "]";
    }

    public static String decomposition() {
        List<String> spectra = new ArrayList<>();
        for (int l = 0; l < 4; l++) {
            for (String p : List.of("gate", "up", "down")) {
                int k = 8;
                double[] norm = new double[k];
                double total = 0;
                for (int i = 0; i < k; i++) total += Math.pow(0.5, i);
                StringBuilder n = new StringBuilder(), c = new StringBuilder(), energies = new StringBuilder(), totals = new StringBuilder();
                double run = 0;
                for (int i = 0; i < k; i++) {
                    norm[i] = Math.pow(0.5, i) / total;
                    run += norm[i];
                    n.append(i == 0 ? "" : ",").append(norm[i]);
                    c.append(i == 0 ? "" : ",").append(Math.min(1, run));
                }
                for (int e = 0; e < 16; e++) {
                    energies.append(e == 0 ? "" : ",").append("[1.0,0.5,0.25,0.1,0.05,0.02,0.01,0.005]");
                    totals.append(e == 0 ? "" : ",").append(1 + e * 0.1 + l);
                }
                spectra.add(String.format(Locale.ROOT, "{\"layer\":%d,\"projection\":\"%s\",\"experts\":16,\"rank\":256,\"directions\":%d,"
                        + "\"directionsFor\":{\"0.5\":1,\"0.9\":4,\"0.99\":7},\"normalized\":[%s],\"cumulative\":[%s],"
                        + "\"expertEnergies\":[%s],\"expertTotals\":[%s]}", l, p, k, n, c, energies, totals));
            }
        }
        return "{\"model\":\"moelab-tiny-qwen3moe\",\"rank\":256,\"layers\":[0,1,2,3],\"spectra\":[" + String.join(",", spectra) + "]}";
    }

    public static String quantizationResult(String artifact, double bits) {
        return String.format(Locale.ROOT, """
                {"model":"%s","path":"/data/artifacts/%s","sourceModel":"moelab-tiny-qwen3moe","plannedPayloadBits":%s,
                 "achievedPayloadBits":%s,"achievedBitsWithScales":%s,"bitsWithBasis":%s,"bytes":9100000,"seconds":42.5,
                 "stages":[{"stage":"decompose","seconds":1.5,"peakHeapBytes":100000000}],"fallbacks":[],"plan":%s}""",
                artifact, artifact, bits, bits, bits + 0.2, bits + 2.2, plan(bits)).replace("\n", "");
    }

    public static final String GENERATED = """
            {"model":"%s","text":" Paris, the city","tokens":[11,12,13],"promptTokens":5,"stop":"length",
             "prefillTokensPerSecond":5000.0,"decodeTokensPerSecond":2400.5}""".replace("\n", "");

    public static final String PPL = """
            {"model":"%s","file":"/repo/models/moelab-tiny-qwen3moe/val.txt","ppl":%s,"meanNll":4.2,"predictedTokens":4080,
             "window":256,"windows":16,"droppedTail":0}""".replace("\n", "");

    public static final String COMPARE = """
            {"reference":"moelab-tiny-qwen3moe","candidate":"tiny-3b","tokens":[1,2,3],
             "rows":[{"index":1,"token":2,"text":" quick","reference":-3.0,"candidate":-3.5,"delta":-0.5},
                     {"index":2,"token":3,"text":" fox","reference":-2.0,"candidate":-1.8,"delta":0.2}],
             "summary":{"scoredTokens":2,"referenceMeanNll":2.5,"candidateMeanNll":2.65,"referencePpl":12.18,"candidatePpl":14.15,
                        "meanAbsDelta":0.35,"worstTokenIndex":1,"worstDelta":-0.5}}""".replace("\n", "");
}
