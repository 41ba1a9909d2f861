package io.github.relstoragepacker.index;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relstoragepacker.PackerApplication;
import io.github.relstoragepacker.collect.CollectionLoop;
import io.github.relstoragepacker.testsupport.ObjectGraph;
import io.github.relstoragepacker.testsupport.RelStorageSchema;
import io.github.relstoragepacker.testsupport.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two instances of the service on one database: exactly one is active, the other takes over when it
 * stops, and an operator's pause given to the first holds on the second.
 */
class TwoInstancesTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    @Test
    void theStandbyTakesOverWhenTheActiveInstanceStopsAndKeepsItsPause() throws Exception {
        db.install(RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK);
        new ObjectGraph(new io.github.relstoragepacker.testsupport.RelStorageWriter(
                        db.dataSource(), RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK.generation()))
                .commit(0, List.of());
        try (ConfigurableApplicationContext first = start()) {
            IndexMaintainer a = first.getBean(IndexMaintainer.class);
            await(a::active);
            try (ConfigurableApplicationContext second = start()) {
                IndexMaintainer b = second.getBean(IndexMaintainer.class);
                await(() -> b.phase() == IndexMaintainer.Phase.STANDBY);
                assertThat(b.active()).as("a second instance stays a standby").isFalse();
                assertThat(a.active()).isTrue();
                first.getBean(CollectionLoop.class).pause("operator");

                first.close();

                await(b::active);
                assertThat(second.getBean(CollectionLoop.class).paused())
                        .as("the pause is the database's, not the instance's")
                        .isTrue();
            }
        }
    }

    private static ConfigurableApplicationContext start() {
        return new SpringApplicationBuilder(PackerApplication.class)
                .run(
                        "--spring.datasource.url=" + db.jdbcUrl(),
                        "--spring.datasource.username=" + db.username(),
                        "--spring.datasource.password=" + db.password(),
                        "--server.port=0",
                        "--management.server.port=0",
                        "--packer.index.poll-interval=50ms");
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition not met within 20 s").isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
