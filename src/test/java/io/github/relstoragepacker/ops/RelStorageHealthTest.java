package io.github.relstoragepacker.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.relstoragepacker.testsupport.RelStorageSchema;
import io.github.relstoragepacker.testsupport.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The whole service, started against a real RelStorage 4.2 schema, answering health over a real port. */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "management.server.port=0")
class RelStorageHealthTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase();

    @LocalManagementPort
    int managementPort;

    @BeforeAll
    static void installSchema() throws Exception {
        db.install(RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK);
    }

    @DynamicPropertySource
    static void datasource(DynamicPropertyRegistry registry) {
        db.register(registry);
    }

    @Test
    void reportsTheDetectedGenerationInHealth() throws Exception {
        // the whole answer is 503 until the index is built; the relstorage component answers from the probe
        JsonNode relstorage = await().atMost(Duration.ofSeconds(60))
                .until(
                        this::relstorageComponent,
                        c -> "UP".equals(c.path("status").asString()));

        assertThat(relstorage.path("details").path("generation").asString()).contains("RelStorage 3.5.0a4 or later");
        assertThat(relstorage.path("details").path("kind").asString()).isEqualTo("HISTORY_FREE");
    }

    private JsonNode relstorageComponent() throws Exception {
        return relstorageComponent(managementPort);
    }

    /** The {@code relstorage} component of {@code /actuator/health} on the management port {@code port}. */
    static JsonNode relstorageComponent(Object port) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        return JsonMapper.builder()
                .build()
                .readTree(response.body())
                .path("components")
                .path("relstorage");
    }
}
