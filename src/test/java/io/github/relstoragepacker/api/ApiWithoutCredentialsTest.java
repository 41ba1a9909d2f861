package io.github.relstoragepacker.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relstoragepacker.collect.CollectionLoop;
import io.github.relstoragepacker.testsupport.RelStorageSchema;
import io.github.relstoragepacker.testsupport.TestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * With no credential configured there is nothing to guess: every control endpoint answers 403 with
 * the fix, whatever the request carries, and reading is closed unless opened by configuration.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ApiWithoutCredentialsTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase(RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK);

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        db.registerQuietService(registry);
        registry.add("management.server.port", () -> "0");
    }

    @LocalServerPort
    int port;

    @Autowired
    CollectionLoop loop;

    @Test
    void controlEndpointsAreDisabledAndSayHowToEnableThem() throws Exception {
        ApiClient api = new ApiClient(port);
        for (String[] headers : new String[][] {
            new String[0], ApiClient.bearer(""), ApiClient.bearer("anything"), ApiClient.basic("", "")
        }) {
            ApiClient.Answer pause = api.post("/api/v1/pause", "{}", headers);
            assertThat(pause.status()).isIn(401, 403);
            assertThat(api.post("/api/v1/packs", "{\"days\": 0}", headers).status())
                    .isIn(401, 403);
            assertThat(api.delete("/api/v1/packs/1", headers).status()).isIn(401, 403);
        }
        ApiClient.Answer anonymous = api.post("/api/v1/pause", "{}");
        assertThat(anonymous.status()).isEqualTo(403);
        assertThat(anonymous.json().path("detail").asString()).contains("packer.api.token");
        ApiClient.Answer reading = api.get("/api/v1/status");
        assertThat(reading.status()).isEqualTo(403);
        assertThat(reading.json().path("detail").asString()).contains("packer.api.public-status");
        assertThat(api.get("/").status()).isEqualTo(403);
        assertThat(api.get("/api/v1/openapi.yaml").status()).isEqualTo(200);
        assertThat(api.head("/api/v1/openapi.yaml").status()).as("HEAD as GET").isEqualTo(200);
        assertThat(loop.paused()).isFalse();
    }
}
