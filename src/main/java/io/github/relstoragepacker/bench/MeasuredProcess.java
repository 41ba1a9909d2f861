package io.github.relstoragepacker.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * One program run from launch to exit: its wall time, its peak resident memory (the kernel's
 * high-water mark {@code VmHWM}, read every 20 ms, which only grows, so the last reading is the peak
 * within 20 ms of the end), its exit code, the output lines a caller wants and the last lines for
 * when it failed.
 *
 * @param command what ran
 * @param exitCode its exit code
 * @param wallSeconds from launch to exit
 * @param peakRssBytes its peak resident memory, 0 where {@code /proc} cannot tell
 * @param kept the output lines the caller asked for
 * @param tail its last output lines
 */
record MeasuredProcess(
        List<String> command,
        int exitCode,
        double wallSeconds,
        long peakRssBytes,
        List<String> kept,
        List<String> tail) {

    private static final int TAIL = 40;

    static MeasuredProcess run(List<String> command, Predicate<String> keep) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        long start = System.nanoTime();
        Process process = builder.start();
        List<String> kept = new ArrayList<>();
        Deque<String> tail = new ArrayDeque<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    synchronized (tail) {
                        if (keep.test(line)) {
                            kept.add(line);
                        }
                        tail.addLast(line);
                        if (tail.size() > TAIL) {
                            tail.removeFirst();
                        }
                    }
                }
            } catch (IOException e) {
                // the process closed its output: nothing more to read
            }
        });
        reader.setDaemon(true);
        reader.start();
        Path status = Path.of("/proc", String.valueOf(process.pid()), "status");
        long peak = 0;
        while (!process.waitFor(20, TimeUnit.MILLISECONDS)) {
            peak = Math.max(peak, highWaterMark(status));
        }
        double wall = (System.nanoTime() - start) / 1e9;
        reader.join();
        synchronized (tail) {
            return new MeasuredProcess(
                    List.copyOf(command), process.exitValue(), wall, peak, List.copyOf(kept), List.copyOf(tail));
        }
    }

    private static long highWaterMark(Path status) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // exited between two readings, or no /proc: the last reading stands
        }
        return 0;
    }
}
