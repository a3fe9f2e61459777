package org.moelab.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The quantizing JVM of {@code bench scale}: runs a moelab command while a daemon samples used heap and the
 * resident set's two parts every 20 ms (the runner resets the pools' peaks per stage, so it keeps its own), then
 * prints one JSON line {exit, vm_hwm_bytes (peak RSS from /proc/self/status), peak_heap_bytes,
 * peak_rss_anon_bytes (private memory: heap, metaspace, native buffers), peak_rss_file_bytes (mapped checkpoint
 * pages resident in this process: page cache, clean, reclaimable)}. The two peaks need not be simultaneous, so
 * VmHWM can be below their sum.
 */
final class ScaleChild {

    private ScaleChild() {
    }

    public static void main(String[] args) throws IOException {
        long[] peak = {0, 0, 0}; // heap, RssAnon, RssFile
        Thread sampler = new Thread(() -> {
            while (true) {
                long used = 0;
                for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
                    if (p.getType() == MemoryType.HEAP) used += Math.max(p.getUsage().getUsed(), p.getPeakUsage().getUsed());
                }
                long anon = status("RssAnon:"), file = status("RssFile:");
                synchronized (peak) {
                    peak[0] = Math.max(peak[0], used);
                    peak[1] = Math.max(peak[1], anon);
                    peak[2] = Math.max(peak[2], file);
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        sampler.setDaemon(true);
        sampler.start();
        int rc = MoelabCli.execute(args);
        long hwm = status("VmHWM:");
        synchronized (peak) {
            System.out.printf("{\"exit\":%d,\"vm_hwm_bytes\":%d,\"peak_heap_bytes\":%d,\"peak_rss_anon_bytes\":%d,\"peak_rss_file_bytes\":%d}%n",
                    rc, hwm, peak[0], peak[1], peak[2]);
        }
        System.exit(rc);
    }

    /** A "Key:   N kB" line of /proc/self/status, in bytes; 0 where absent (not Linux). */
    private static long status(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key)) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }
}
