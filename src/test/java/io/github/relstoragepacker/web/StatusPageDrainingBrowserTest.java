package io.github.relstoragepacker.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.relstoragepacker.testsupport.ObjectGraph;
import io.github.relstoragepacker.testsupport.RelStorageSchema;
import io.github.relstoragepacker.testsupport.RelStorageWriter;
import io.github.relstoragepacker.testsupport.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The phase while the continuous drain works: its batches last milliseconds, yet the page says
 * "draining" (not "idle") while Plone keeps producing garbage, and the last drain shows what it did.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class StatusPageDrainingBrowserTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase(RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK);

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        db.register(registry);
        registry.add("packer.index.poll-interval", () -> "50ms");
        registry.add("packer.collector.grace", () -> "0s");
        registry.add("packer.collector.drain-interval", () -> "2s");
        registry.add("packer.api.public-status", () -> "true");
        registry.add("management.server.port", () -> "0");
    }

    @LocalServerPort
    int port;

    @TempDir
    Path profile;

    WebDriver browser;

    @BeforeEach
    void startBrowser() {
        browser = StatusPageBrowserTest.chromium(profile);
    }

    @AfterEach
    void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void saysDrainingWhileTheDrainDeletes() throws Exception {
        ObjectGraph graph = new ObjectGraph(
                new RelStorageWriter(db.dataSource(), RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK.generation()));
        graph.commit(0, List.of());
        String page = "http://127.0.0.1:" + port + "/";
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(300))
                .until(() -> {
                    // an orphan per look: garbage keeps coming, as beside a busy Plone
                    graph.commit(Map.of(graph.newOid(), List.of()));
                    browser.get(page);
                    // a drain under way after one that completed: the first may be caught in progress
                    return browser.findElement(By.id("phase")).getText().strip().equals("draining")
                            && browser.findElement(By.id("last-drain"))
                                    .getText()
                                    .contains("deleted, completed");
                });
        assertThat(browser.findElement(By.id("next-drain")).getText()).matches("\\d\\d:\\d\\d:\\d\\d");
        StatusPageBrowserTest.screenshot(browser, "status-draining");
    }
}
