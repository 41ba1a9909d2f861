package io.github.relstoragepacker.bench;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The {@code pack: time: ...} line the {@code pack} command prints last, read back: seconds per step
 * (start, index, mark, deletion, blobs, total), the commit-lock hold p99 and the peak heap.
 */
record PackTimes(Map<String, Double> seconds, double holdP99Millis, long peakHeapMiB) {

    static final String PREFIX = "pack: time: ";
    private static final Pattern STEP = Pattern.compile("(\\w+) (\\d+\\.\\d+) s");
    private static final Pattern HOLD = Pattern.compile("hold p99 (\\d+\\.\\d+) ms");
    private static final Pattern HEAP = Pattern.compile("peak heap (\\d+) MiB");

    /** The times in {@code lines}, or null when the pack printed none (it failed before). */
    static @Nullable PackTimes parse(List<String> lines) {
        for (String line : lines) {
            if (line.startsWith(PREFIX)) {
                Map<String, Double> seconds = new HashMap<>();
                Matcher step = STEP.matcher(line);
                while (step.find()) {
                    seconds.put(step.group(1), Double.parseDouble(step.group(2)));
                }
                Matcher hold = HOLD.matcher(line);
                Matcher heap = HEAP.matcher(line);
                return new PackTimes(
                        Map.copyOf(seconds),
                        hold.find() ? Double.parseDouble(hold.group(1)) : 0,
                        heap.find() ? Long.parseLong(heap.group(1)) : 0);
            }
        }
        return null;
    }

    double of(String step) {
        return seconds.getOrDefault(step, 0.0);
    }

    /** Everything read, by name: the steps' seconds, {@code hold-p99-ms} and {@code peak-heap-mib}. */
    Map<String, Double> all() {
        Map<String, Double> all = new HashMap<>(seconds);
        all.put("hold-p99-ms", holdP99Millis);
        all.put("peak-heap-mib", (double) peakHeapMiB);
        return all;
    }
}
