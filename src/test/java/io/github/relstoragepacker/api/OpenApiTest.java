package io.github.relstoragepacker.api;

import static io.github.relstoragepacker.api.ApiClient.bearer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.relstoragepacker.testsupport.ObjectGraph;
import io.github.relstoragepacker.testsupport.RelStorageSchema;
import io.github.relstoragepacker.testsupport.RelStorageWriter;
import io.github.relstoragepacker.testsupport.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;

/**
 * The OpenAPI description, as the running app serves it, against the running app: the same
 * operations as the controllers map, and every answer of the read operations carries the properties
 * the description calls required, recursively.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OpenApiTest {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase(RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK);

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        db.registerQuietService(registry);
        registry.add("packer.index.statistics-interval", () -> "200ms");
        registry.add("packer.api.token", () -> ApiTest.TOKEN);
        registry.add("management.server.port", () -> "0");
    }

    @LocalServerPort
    int port;

    @Autowired
    RequestMappingHandlerMapping mappings;

    @Test
    @SuppressWarnings("unchecked")
    void describesExactlyTheMappedOperationsAndTheirAnswers() throws Exception {
        ApiClient api = new ApiClient(port);
        ApiClient.Answer served = api.get("/api/v1/openapi.yaml");
        assertThat(served.status()).as("served without credentials").isEqualTo(200);
        Map<String, Object> spec = new Yaml().load(served.body());
        Map<String, Map<String, Object>> paths = (Map<String, Map<String, Object>>) spec.get("paths");

        Set<String> described = new TreeSet<>();
        paths.forEach((path, operations) -> operations.keySet().stream()
                .filter(m -> !m.equals("parameters"))
                .forEach(m -> described.add(m.toUpperCase() + " " + path)));
        Set<String> mapped = new TreeSet<>();
        mappings.getHandlerMethods()
                .keySet()
                .forEach(info -> info.getPatternValues().stream()
                        .filter(p -> p.startsWith("/api/v1"))
                        .forEach(p ->
                                info.getMethodsCondition().getMethods().forEach(m -> mapped.add(m.name() + " " + p))));
        assertThat(described).isEqualTo(mapped);

        ObjectGraph graph = new ObjectGraph(
                new RelStorageWriter(db.dataSource(), RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK.generation()));
        long child = graph.newOid();
        graph.commit(Map.of(0L, List.of(child), child, List.of(child + 50)));
        await().atMost(Duration.ofSeconds(60))
                .until(() -> api.get("/api/v1/objects/" + child, bearer(ApiTest.TOKEN))
                                .status()
                        == 200);
        String job = api.post("/api/v1/packs", "{\"days\": 0, \"dryRun\": true}", bearer(ApiTest.TOKEN))
                .header("Location");
        await().atMost(Duration.ofSeconds(60))
                .until(() -> !api.get(job, bearer(ApiTest.TOKEN))
                        .json()
                        .path("finishedAt")
                        .isNull());

        Map<String, String> calls = Map.of(
                "/api/v1/status", "/api/v1/status",
                "/api/v1/packs", "/api/v1/packs",
                "/api/v1/packs/{id}", job,
                "/api/v1/objects/{oid}", "/api/v1/objects/" + child,
                "/api/v1/objects/{oid}/path", "/api/v1/objects/" + child + "/path",
                "/api/v1/dangling", "/api/v1/dangling",
                "/api/v1/stats/classes", "/api/v1/stats/classes",
                "/api/v1/stats/largest", "/api/v1/stats/largest");
        for (var call : calls.entrySet()) {
            ApiClient.Answer answer = api.get(call.getValue(), bearer(ApiTest.TOKEN));
            assertThat(answer.status()).as(call.getValue()).isEqualTo(200);
            Map<String, Object> schema =
                    responseSchema(spec, paths.get(call.getKey()).get("get"), "200");
            List<String> missing = new ArrayList<>();
            conforms(spec, schema, answer.json(), call.getKey(), missing);
            assertThat(missing).as(call.getKey()).isEmpty();
        }
        ApiClient.Answer problem = api.get("/api/v1/objects/nonsense", bearer(ApiTest.TOKEN));
        List<String> missing = new ArrayList<>();
        conforms(
                spec,
                resolve(spec, Map.of("$ref", "#/components/schemas/Problem")),
                problem.json(),
                "problem",
                missing);
        assertThat(missing).isEmpty();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> responseSchema(Map<String, Object> spec, Object operation, String status) {
        Map<String, Object> response = resolve(
                spec,
                ((Map<String, Map<String, Object>>) ((Map<String, Object>) operation).get("responses")).get(status));
        Map<String, Map<String, Object>> content = (Map<String, Map<String, Object>>) response.get("content");
        return resolve(
                spec, (Map<String, Object>) content.values().iterator().next().get("schema"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> resolve(Map<String, Object> spec, Map<String, Object> node) {
        Object ref = node.get("$ref");
        if (ref == null) {
            return node;
        }
        Object target = spec;
        for (String part : ((String) ref).substring(2).split("/")) {
            target = ((Map<String, Object>) target).get(part);
        }
        return resolve(spec, (Map<String, Object>) target);
    }

    @SuppressWarnings("unchecked")
    private static void conforms(
            Map<String, Object> spec, Map<String, Object> schema, JsonNode value, String where, List<String> missing) {
        schema = resolve(spec, schema);
        if (value == null || value.isNull()) {
            return;
        }
        if (value.isArray() && schema.get("items") instanceof Map<?, ?> items) {
            for (JsonNode element : value) {
                conforms(spec, (Map<String, Object>) items, element, where + "[]", missing);
            }
            return;
        }
        if (!value.isObject()) {
            return;
        }
        for (String name : (List<String>) schema.getOrDefault("required", List.of())) {
            if (!value.has(name)) {
                missing.add(where + "." + name);
            }
        }
        Map<String, Map<String, Object>> properties =
                (Map<String, Map<String, Object>>) schema.getOrDefault("properties", Map.of());
        properties.forEach((name, property) -> conforms(spec, property, value.get(name), where + "." + name, missing));
    }
}
