package io.github.relstoragepacker.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.relstoragepacker.index.IndexStatistics;
import io.github.relstoragepacker.relstorage.Oids;
import io.github.relstoragepacker.testsupport.ObjectGraph;
import io.github.relstoragepacker.testsupport.RelStorageSchema;
import io.github.relstoragepacker.testsupport.RelStorageWriter;
import io.github.relstoragepacker.testsupport.TestDatabase;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The status page in a real headless Chromium (Debian's chromium and chromium-driver, which {@code
 * .ci/run} installs; elsewhere the test is skipped with a message when they are missing): it shows live numbers, its "Pack now" form is refused without the token and
 * starts a pack with it, and the finished pack appears in the table and on its own page. The charts
 * have labelled axes and read samples an earlier process wrote. Screenshots are kept in {@code
 * target/screenshots/}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class StatusPageBrowserTest {

    static final String TOKEN = "browser-token-42";
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    /** Set (by {@code .ci/run}) where a missing browser must fail the test instead of skipping it. */
    static final String REQUIRE_BROWSER = "PACKER_TEST_REQUIRE_BROWSER";

    @RegisterExtension
    static final TestDatabase db = new TestDatabase(RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK);

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        db.registerQuietService(registry);
        registry.add("packer.index.statistics-interval", () -> "200ms");
        registry.add("packer.api.token", () -> TOKEN);
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
        browser = chromium(profile);
    }

    /**
     * A headless Chromium with its profile in {@code profile}; the test is skipped when none is
     * installed, unless {@value #REQUIRE_BROWSER} is set.
     */
    static WebDriver chromium(Path profile) {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        String missing = "No headless Chromium: the status page's browser test needs Debian's chromium and"
                + " chromium-driver packages (apt-get install chromium chromium-driver)";
        if (System.getenv(REQUIRE_BROWSER) != null) {
            assertThat(installed)
                    .as(missing + "; " + REQUIRE_BROWSER + " is set")
                    .isTrue();
        }
        Assumptions.assumeTrue(installed, missing + "; skipped (CI sets " + REQUIRE_BROWSER + ")");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--window-size=1100,2400",
                "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        return new ChromeDriver(service, options);
    }

    @AfterEach
    void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @Test
    void showsLiveNumbersAndPacksOnlyWithTheToken() throws Exception {
        ObjectGraph graph = new ObjectGraph(
                new RelStorageWriter(db.dataSource(), RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK.generation()));
        List<Long> children = new ArrayList<>();
        graph.commit(0, List.of());
        for (int i = 0; i < 30; i++) {
            long child = graph.newOid();
            long orphan = graph.newOid();
            children.add(child);
            graph.commit(Map.of(child, List.of(), orphan, List.of(), 0L, List.copyOf(children)));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            IndexStatistics.Counts counts = statistics.latest();
            return counts != null && counts.objects() == 61 && counts.unreferenced() == 30;
        });
        String page = "http://127.0.0.1:" + port + "/";

        // a sample an earlier process wrote: the charts read the table, not this process' memory
        new JdbcTemplate(db.dataSource())
                .update("INSERT INTO packer.garbage_sample (at, pending, pending_bytes, deleted)"
                        + " VALUES (now() - interval '90 minutes', 12345, 67890, 0)");
        browser.get(page);
        assertThat(text("phase")).isEqualTo("idle");
        assertThat(text("chart-pending")).contains("Garbage pending (objects)").contains("20k");
        assertThat(browser.findElements(By.cssSelector("#chart-pending .x-label")))
                .hasSize(7);
        // that lone sample is drawn (as a dot), not only the axis it scaled
        assertThat(browser.findElement(By.cssSelector("#chart-pending path")).getAttribute("d"))
                .startsWith("M")
                .contains("l0,0");
        assertThat(text("chart-bytes")).contains("KiB");
        assertThat(text("chart-rate")).contains("/s");
        assertThat(text("settings")).contains("packer.collector.grace").contains("24h");
        assertThat(text("next-drain"))
                .as("continuous collection is off in this test")
                .isEqualTo("off (packer.collector.enabled=false)");
        screenshot("status-before");
        assertThat(text("objects")).isEqualTo("61");
        assertThat(text("unreferenced")).isEqualTo("30");

        browser.findElement(By.id("days")).clear();
        browser.findElement(By.id("days")).sendKeys("0");
        browser.findElement(By.id("dry-run")).click();
        browser.findElement(By.cssSelector("#pack-form button")).click();
        await().atMost(Duration.ofSeconds(10)).until(() -> !text("pack-result").isEmpty());
        assertThat(text("pack-result")).startsWith("Refused (401)");
        assertThat(new JdbcTemplate(db.dataSource()).queryForObject("SELECT count(*) FROM object_state", Long.class))
                .isEqualTo(61);

        browser.findElement(By.id("token")).sendKeys(TOKEN);
        browser.findElement(By.cssSelector("#pack-form button")).click();
        await().atMost(Duration.ofSeconds(10)).until(() -> text("pack-result").startsWith("Pack "));
        await().atMost(Duration.ofSeconds(60))
                .until(() -> new JdbcTemplate(db.dataSource())
                                .queryForObject("SELECT count(*) FROM object_state", Long.class)
                        == 31);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            browser.get(page);
            return text("unreferenced").equals("0") && text("packs").contains("completed");
        });
        assertThat(text("objects")).isEqualTo("31");
        assertThat(text("packs")).contains("token");
        assertThat(text("totals")).contains("30");
        // the leader lock's holder sits between transactions: its session's start dates it
        assertThat(text("locks")).containsPattern("leader .*\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d");
        screenshot("status");

        browser.findElement(By.cssSelector("#packs a")).click();
        assertThat(text("state")).isEqualTo("completed");
        assertThat(text("deleted-objects")).isEqualTo("30");
        screenshot("pack");

        browser.get("http://127.0.0.1:" + port + "/objects");
        browser.findElement(By.id("oid")).sendKeys(String.valueOf(children.get(4)));
        browser.findElement(By.cssSelector("#oid-form button")).click();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> !browser.findElements(By.id("path")).isEmpty());
        assertThat(browser.findElements(By.cssSelector("#path li"))).hasSize(2);
        assertThat(text("path")).startsWith(Oids.hex(0)).contains(Oids.hex(children.get(4)));
        assertThat(text("reachability")).startsWith("referenced");
        assertThat(text("referrers")).startsWith("1").contains(Oids.hex(0));
        assertThat(text("classes")).contains("class").isNotEqualTo("class objects state bytes");
        screenshot("objects");

        browser.findElement(By.id("oid")).clear();
        browser.findElement(By.id("oid")).sendKeys("zz");
        browser.findElement(By.cssSelector("#oid-form button")).click();
        // the page asks the API and renders its answer asynchronously
        await().atMost(Duration.ofSeconds(10))
                .until(() -> !browser.findElements(By.id("error")).isEmpty());
        assertThat(text("error")).contains("'zz' is not an oid");
    }

    private void screenshot(String name) throws Exception {
        screenshot(browser, name);
    }

    /** Keeps what {@code browser} shows in {@code target/screenshots/<name>.png}. */
    static void screenshot(WebDriver browser, String name) throws Exception {
        Path screenshot = Path.of("target", "screenshots", name + ".png");
        Files.createDirectories(screenshot.getParent());
        File shot = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), screenshot, StandardCopyOption.REPLACE_EXISTING);
        assertThat(Files.size(screenshot)).isGreaterThan(10_000);
    }

    private String text(String id) {
        return browser.findElement(By.id(id)).getText().strip();
    }
}
