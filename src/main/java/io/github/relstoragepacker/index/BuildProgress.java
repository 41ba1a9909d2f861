package io.github.relstoragepacker.index;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.stereotype.Component;

/** Progress of the initial build, for the log and for the {@code packer.index.build.*} gauges. */
@Component
class BuildProgress {

    private final AtomicLong objects = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private volatile long total;
    private volatile long startedNanos = System.nanoTime();
    private volatile long resumedAt;

    BuildProgress(MeterRegistry registry) {
        Gauge.builder("packer.index.build.scanned", objects, AtomicLong::get)
                .description("Objects read by the initial index build")
                .baseUnit("objects")
                .register(registry);
        Gauge.builder("packer.index.build.estimated", this, p -> p.total)
                .description("Objects the initial index build expects to read (planner estimate)")
                .baseUnit("objects")
                .register(registry);
    }

    void start(long estimatedTotal, long alreadyDone) {
        total = estimatedTotal;
        objects.set(alreadyDone);
        resumedAt = alreadyDone;
        bytes.set(0);
        startedNanos = System.nanoTime();
    }

    void add(long objectCount, long byteCount) {
        objects.addAndGet(objectCount);
        bytes.addAndGet(byteCount);
    }

    long total() {
        return total;
    }

    String describe() {
        long done = objects.get();
        double seconds = Math.max(1e-3, (System.nanoTime() - startedNanos) / 1e9);
        double rate = (done - resumedAt) / seconds;
        String eta = total > done && rate > 0
                ? ", ETA "
                        + Duration.ofSeconds((long) ((total - done) / rate))
                                .toString()
                                .substring(2)
                                .toLowerCase()
                : "";
        return "%,d of about %,d objects, %,.0f objects/s, %.1f MB/s%s"
                .formatted(done, total, rate, bytes.get() / seconds / 1e6, eta);
    }
}
