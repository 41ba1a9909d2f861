package io.github.relstoragepacker.api;

import static io.github.relstoragepacker.api.ApiClient.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.relstoragepacker.cli.PackCommand;
import io.github.relstoragepacker.testsupport.RelStorageSchema;
import io.github.relstoragepacker.testsupport.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * On a database the daemon refuses (history-preserving here), every endpoint that needs the index
 * answers 409 with the reason and the fix, never a raw SQL error, and neither a pack over HTTP nor the
 * {@code pack} command leaves schema {@code packer} behind.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class RefusedDatabaseTest {

    static final String TOKEN = "test-token-0123456789";

    @RegisterExtension
    static final TestDatabase db = new TestDatabase(RelStorageSchema.HISTORY_PRESERVING);

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        db.registerQuietService(registry);
        registry.add("packer.api.token", () -> TOKEN);
        registry.add("management.server.port", () -> "0");
    }

    @LocalServerPort
    int port;

    @Test
    void everyIndexEndpointAnswers409WithTheReasonAndNoSchemaIsCreated() throws Exception {
        ApiClient api = new ApiClient(port);
        List<ApiClient.Answer> answers = List.of(
                api.post("/api/v1/packs", "{\"days\": 0}", bearer(TOKEN)),
                api.get("/api/v1/packs", bearer(TOKEN)),
                api.get("/api/v1/packs/1", bearer(TOKEN)),
                api.delete("/api/v1/packs/1", bearer(TOKEN)),
                api.get("/api/v1/objects/0", bearer(TOKEN)),
                api.get("/api/v1/objects/0/path", bearer(TOKEN)),
                api.get("/api/v1/dangling", bearer(TOKEN)),
                api.get("/api/v1/stats/classes", bearer(TOKEN)),
                api.get("/api/v1/stats/largest", bearer(TOKEN)),
                api.post("/api/v1/index/verify", "{}", bearer(TOKEN)));
        for (ApiClient.Answer answer : answers) {
            String seen = answer.response().request().uri() + " -> " + answer.body();
            assertThat(answer.status()).as(seen).isEqualTo(409);
            assertThat(answer.header("Content-Type")).as(seen).startsWith("application/problem+json");
            assertThat(answer.json().path("detail").asString())
                    .as(seen)
                    .contains("history-preserving", "zodbpack")
                    .doesNotContain("relation", "SQL");
        }
        assertThat(api.get("/api/v1/status", bearer(TOKEN)).status()).isEqualTo(200);
        assertThat(packerSchemaExists()).isFalse();
    }

    @Test
    void thePackCommandRefusesBeforeCreatingSchemaPacker() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = PackCommand.run(
                new String[] {
                    "pack",
                    "--days=0",
                    "--spring.datasource.url=" + db.jdbcUrl(),
                    "--spring.datasource.username=" + db.username(),
                    "--spring.datasource.password=" + db.password(),
                    "--logging.level.root=WARN"
                },
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(exit).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("pack refused", "history-preserving");
        assertThat(packerSchemaExists()).isFalse();
    }

    private static boolean packerSchemaExists() {
        return new JdbcTemplate(db.dataSource())
                .queryForObject("SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'packer')", Boolean.class);
    }
}
