package io.github.relstoragepacker.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.relstoragepacker.index.IndexStatistics;
import io.github.relstoragepacker.testsupport.ObjectGraph;
import io.github.relstoragepacker.testsupport.RelStorageSchema;
import io.github.relstoragepacker.testsupport.RelStorageWriter;
import io.github.relstoragepacker.testsupport.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A pack as the operator follows it: started from the status page's form, its page shows the job
 * running with a progress bar over the candidates it found (while a Plone transaction holds
 * RelStorage's commit lock, the job waits at its first fence, so "running" is a state the test can
 * see), refreshes itself, and once the lock is released shows it completed with what it deleted by
 * class, in objects and state bytes.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class PackPageBrowserTest {

    private static final int ORPHANS = 40;

    @RegisterExtension
    static final TestDatabase db = new TestDatabase(RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK);

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        db.registerQuietService(registry);
        registry.add("packer.index.statistics-interval", () -> "200ms");
        registry.add("packer.collector.max-fence-wait", () -> "2m");
        registry.add("packer.api.token", () -> StatusPageBrowserTest.TOKEN);
        registry.add("packer.api.public-status", () -> "true");
        registry.add("management.server.port", () -> "0");
    }

    @LocalServerPort
    int port;

    @Autowired
    IndexStatistics statistics;

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
    void showsARunningPacksProgressThenWhatItDeletedByClass() throws Exception {
        RelStorageWriter writer =
                new RelStorageWriter(db.dataSource(), RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK.generation());
        ObjectGraph graph = new ObjectGraph(writer);
        graph.commit(0, List.of());
        Map<Long, List<Long>> orphans = new HashMap<>();
        for (int i = 0; i < ORPHANS; i++) {
            orphans.put(graph.newOid(), List.of());
        }
        graph.commit(orphans);
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            IndexStatistics.Counts counts = statistics.latest();
            return counts != null && counts.unreferenced() == ORPHANS;
        });
        String base = "http://127.0.0.1:" + port;

        String packPage;
        try (RelStorageWriter.LockHolder commitLock = writer.holdCommitLock()) {
            browser.get(base + "/");
            browser.findElement(By.id("days")).clear();
            browser.findElement(By.id("days")).sendKeys("0");
            browser.findElement(By.id("dry-run")).click();
            browser.findElement(By.id("token")).sendKeys(StatusPageBrowserTest.TOKEN);
            browser.findElement(By.cssSelector("#pack-form button")).click();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> text("pack-result").startsWith("Pack "));
            Matcher started = Pattern.compile("Pack (\\d+) started").matcher(text("pack-result"));
            assertThat(started.find()).as(text("pack-result")).isTrue();
            packPage = base + "/packs/" + started.group(1);

            await().atMost(Duration.ofSeconds(30)).until(() -> {
                browser.get(packPage);
                return !browser.findElements(By.cssSelector("[role=progressbar]"))
                        .isEmpty();
            });
            // a fresh load: the page reloads itself every few seconds while the job runs
            browser.get(packPage);
            assertThat(text("state")).isEqualTo("running");
            WebElement bar = browser.findElement(By.cssSelector("[role=progressbar]"));
            assertThat(bar.getAttribute("aria-valuemax")).isEqualTo(String.valueOf(ORPHANS));
            assertThat(bar.getAttribute("aria-valuenow")).isEqualTo("0");
            assertThat(text("progress")).isEqualTo("deleting: 0 examined of " + ORPHANS);
            StatusPageBrowserTest.screenshot(browser, "pack-running");
            assertThat(count("SELECT count(*) FROM object_state"))
                    .as("nothing deleted while Plone holds the commit lock")
                    .isEqualTo(ORPHANS + 1);
        }

        // no load of ours: the page's own refresh must bring the end
        await().atMost(Duration.ofSeconds(60))
                .ignoreExceptions()
                .until(() -> text("state").equals("completed"));
        assertThat(browser.findElements(By.cssSelector("[role=progressbar]"))).isEmpty();
        assertThat(text("deleted-objects")).isEqualTo(String.valueOf(ORPHANS));
        assertThat(text("message"))
                .startsWith("deleted " + ORPHANS + " objects (")
                .endsWith(" KiB), 0 blob files and 0 blob large objects.");
        assertThat(browser.findElement(By.id("message")).getAttribute("class"))
                .as("a completed pack's message is news, not a problem")
                .doesNotContain("problem");
        List<WebElement> rows = browser.findElements(By.cssSelector("#classes tr"));
        assertThat(rows).hasSize(2);
        List<WebElement> cells = rows.get(1).findElements(By.tagName("td"));
        assertThat(cells.get(1).getText()).isEqualTo(String.valueOf(ORPHANS));
        assertThat(cells.get(2).getText())
                .as("the state bytes deleted of that class, as the totals count them")
                .isEqualTo(text("deleted-bytes"));
        assertThat(count("SELECT count(*) FROM object_state")).isEqualTo(1);
        StatusPageBrowserTest.screenshot(browser, "pack-completed");
    }

    private String text(String id) {
        return browser.findElement(By.id(id)).getText().strip();
    }

    private long count(String sql) {
        return new JdbcTemplate(db.dataSource()).queryForObject(sql, Long.class);
    }
}
