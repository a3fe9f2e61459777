package org.moelab.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The quantizing JVM of {@code bench scale}: runs a moelab command while a daemon samples used heap every
 * 20 ms (the runner resets the pools' peaks per stage, so it keeps its own), then prints one JSON line
 * {exit, vm_hwm_bytes (peak RSS from /proc/self/status), peak_heap_bytes}.
 */
final class ScaleChild {

    private ScaleChild() {
    }

    public static void main(String[] args) throws IOException {
        long[] peak = {0};
        Thread sampler = new Thread(() -> {
            while (true) {
                long used = 0;
                for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
                    if (p.getType() == MemoryType.HEAP) used += Math.max(p.getUsage().getUsed(), p.getPeakUsage().getUsed());
                }
                synchronized (peak) {
                    peak[0] = Math.max(peak[0], used);
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
        long hwm = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) hwm = Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
        synchronized (peak) {
            System.out.printf("{\"exit\":%d,\"vm_hwm_bytes\":%d,\"peak_heap_bytes\":%d}%n", rc, hwm, peak[0]);
        }
        System.exit(rc);
    }
}
