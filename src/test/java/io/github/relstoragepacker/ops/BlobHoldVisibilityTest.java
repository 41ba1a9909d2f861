package io.github.relstoragepacker.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.relstoragepacker.collect.BlobDirectoryGuard;
import io.github.relstoragepacker.relstorage.BlobLayout;
import io.github.relstoragepacker.testsupport.BlobDirectory;
import io.github.relstoragepacker.testsupport.ObjectGraph;
import io.github.relstoragepacker.testsupport.RelStorageSchema;
import io.github.relstoragepacker.testsupport.RelStorageWriter;
import io.github.relstoragepacker.testsupport.TestDatabase;
import io.github.relstoragepacker.testsupport.ZodbRecords;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A blob directory that is not this database's (here: an empty mount) puts blob removal on hold, and
 * every place an operator looks says so, over real ports: health ({@code relstorage} DOWN with the
 * reason), the metric, the status API, the status page, and the note of a pack job, which keeps the
 * garbage owning blob files.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class BlobHoldVisibilityTest {

    private static final String TOKEN = "blob-hold-token-0123456789";

    @RegisterExtension
    static final TestDatabase db = new TestDatabase(RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK);

    static Path mount;
    static long garbageBlob;

    @TempDir
    static Path scratch;

    @BeforeAll
    static void aSiteWithBlobsAndAnEmptyMount() throws Exception {
        BlobDirectory plones = BlobDirectory.create(scratch.resolve("plone-blobs"), BlobLayout.BUSHY);
        RelStorageWriter writer =
                new RelStorageWriter(db.dataSource(), RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK.generation(), plones);
        long live = writer.newOid();
        garbageBlob = writer.newOid();
        writer.commitBlob(live, ZodbRecords.blob(), "live".getBytes(StandardCharsets.US_ASCII));
        writer.commitBlob(garbageBlob, ZodbRecords.blob(), "garbage".getBytes(StandardCharsets.US_ASCII));
        new ObjectGraph(writer).commit(Map.of(0L, List.of(live)));
        mount = BlobDirectory.create(scratch.resolve("empty-mount"), BlobLayout.BUSHY)
                .root();
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        db.registerQuietService(registry);
        registry.add("packer.collector.blob-directory", () -> mount.toString());
        registry.add("packer.api.token", () -> TOKEN);
        registry.add("packer.api.public-status", () -> "true");
        registry.add("management.server.port", () -> "0");
    }

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    @Autowired
    BlobDirectoryGuard guard;

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(int on, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + on + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void healthMetricsStatusPageAndPackJobSayBlobRemovalIsOnHold() throws Exception {
        // checked once the index is ready, before any collection run
        await().atMost(Duration.ofSeconds(60)).until(() -> guard.last() != null);
        assertThat(guard.onHold()).isTrue();

        HttpResponse<String> health = get(managementPort, "/actuator/health");
        assertThat(health.statusCode()).isEqualTo(503);
        JsonNode relstorage = JsonMapper.builder()
                .build()
                .readTree(health.body())
                .path("components")
                .path("relstorage");
        assertThat(relstorage.path("status").asString()).isEqualTo("DOWN");
        assertThat(relstorage.path("details").path("blobDirectory").asString())
                .startsWith("blob removal on hold")
                .contains("is the volume mounted?");
        assertThat(get(managementPort, "/actuator/prometheus").body()).contains("packer_blob_directory_on_hold 1.0");
        assertThat(get(port, "/api/v1/status").body())
                .contains("Blob removal is on hold")
                .contains("shared directory " + mount + " (on hold)");
        assertThat(get(port, "/").body()).containsPattern("class=\"problem\">Blob removal is on hold: [^<]*" + mount);

        HttpResponse<String> accepted = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/packs"))
                        .header("Authorization", "Bearer " + TOKEN)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"days\": 0}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(accepted.statusCode()).isEqualTo(202);
        String job = accepted.headers().firstValue("Location").orElseThrow();
        await().atMost(Duration.ofSeconds(60)).until(() -> get(port, job).body().contains("\"state\":\"completed\""));

        assertThat(get(port, job).body())
                .contains("Blob removal is on hold, 1 garbage objects owning blob files were kept");
        assertThat(get(managementPort, "/actuator/prometheus").body())
                .contains("packer_blob_directory_held_objects 1.0");
        assertThat(new org.springframework.jdbc.core.JdbcTemplate(db.dataSource())
                        .queryForObject("SELECT count(*) FROM object_state WHERE zoid = ?", Long.class, garbageBlob))
                .isEqualTo(1);
    }
}
