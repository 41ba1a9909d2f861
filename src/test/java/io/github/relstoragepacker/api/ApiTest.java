package io.github.relstoragepacker.api;

import static io.github.relstoragepacker.api.ApiClient.basic;
import static io.github.relstoragepacker.api.ApiClient.bearer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.relstoragepacker.collect.CollectionLoop;
import io.github.relstoragepacker.testsupport.ObjectGraph;
import io.github.relstoragepacker.testsupport.RelStorageSchema;
import io.github.relstoragepacker.testsupport.RelStorageWriter;
import io.github.relstoragepacker.testsupport.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The HTTP API over a real port against a real RelStorage database: every endpoint, its
 * authentication and its answers to bad input. Whatever an anonymous or wrongly authenticated request
 * tries, nothing changes.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ApiTest {

    static final String TOKEN = "test-token-0123456789";

    @RegisterExtension
    static final TestDatabase db = new TestDatabase(RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK);

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        db.registerQuietService(registry);
        registry.add("packer.index.statistics-interval", () -> "200ms");
        registry.add("packer.api.token", () -> TOKEN);
        registry.add("packer.api.username", () -> "operator");
        registry.add("packer.api.password", () -> "op-secret-pass");
        registry.add("management.server.port", () -> "0");
        registry.add(
                "management.endpoints.web.exposure.include", () -> "health,info,prometheus,packer,env,configprops");
    }

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    @Autowired
    CollectionLoop loop;

    ApiClient api;
    ApiClient management;
    ObjectGraph graph;

    @BeforeEach
    void setUp() throws Exception {
        api = new ApiClient(port);
        management = new ApiClient(managementPort);
        graph = new ObjectGraph(
                new RelStorageWriter(db.dataSource(), RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK.generation()));
        if (new JdbcTemplate(db.dataSource())
                        .queryForObject("SELECT count(*) FROM object_state WHERE zoid = 0", Long.class)
                == 0) {
            graph.commit(0, List.of());
        } else {
            graph.children.put(
                    0L,
                    new JdbcTemplate(db.dataSource())
                            .queryForList("SELECT to_zoid FROM packer.ref WHERE from_zoid = 0", Long.class));
        }
        await().atMost(Duration.ofSeconds(60))
                .until(() -> "idle".equals(status().path("phase").asString()));
    }

    JsonNode status() throws Exception {
        return api.get("/api/v1/status", bearer(TOKEN)).json();
    }

    /** Links a new child under the root and returns it, plus an orphan. */
    long[] linkedAndOrphan() throws Exception {
        long linked = graph.newOid();
        long orphan = graph.newOid();
        List<Long> root = new ArrayList<>(graph.children.getOrDefault(0L, List.of()));
        root.add(linked);
        graph.commit(Map.of(linked, List.of(), orphan, List.of(), 0L, root));
        return new long[] {linked, orphan};
    }

    boolean exists(long zoid) {
        return new JdbcTemplate(db.dataSource())
                        .queryForObject("SELECT count(*) FROM object_state WHERE zoid = ?", Long.class, zoid)
                > 0;
    }

    JsonNode awaitEnded(String url) {
        JsonNode[] job = new JsonNode[1];
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            job[0] = api.get(url, bearer(TOKEN)).json();
            return !job[0].path("finishedAt").isNull() && job[0].has("finishedAt");
        });
        return job[0];
    }

    @Test
    void statusNamesThePhaseTheIndexAndTheDatabase() throws Exception {
        JsonNode status = status();

        assertThat(status.path("phase").asString()).isEqualTo("idle");
        assertThat(status.path("active").asBoolean()).isTrue();
        assertThat(status.path("database").path("generation").asString()).contains("3.5.0a4");
        assertThat(status.path("database").path("blobs").asString()).isEqualTo("none found");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> status().path("index").path("objects").asLong() >= 1);
        assertThat(status().path("index").path("watermark").asString()).startsWith("0x");
    }

    @Test
    void packStartsAJobThatDeletesTheOrphanOnly() throws Exception {
        long[] objects = linkedAndOrphan();

        ApiClient.Answer accepted = api.post("/api/v1/packs", "{\"days\": 0}", bearer(TOKEN));

        assertThat(accepted.status()).isEqualTo(202);
        String url = accepted.header("Location");
        assertThat(url).isEqualTo(accepted.json().path("url").asString()).startsWith("/api/v1/packs/");
        JsonNode job = awaitEnded(url);
        assertThat(job.path("state").asString()).isEqualTo("completed");
        long deleted = job.path("progress").path("deleted").asLong();
        assertThat(deleted).isGreaterThanOrEqualTo(1);
        assertThat(job.path("progress").path("candidates").asLong())
                .as("the real number of candidates once it ended, never -1")
                .isGreaterThanOrEqualTo(deleted);
        assertThat(job.path("progress").path("rate").asDouble()).isPositive();
        assertThat(job.path("message").asString())
                .startsWith(String.format(Locale.ROOT, "deleted %,d objects (", deleted));
        assertThat(job.path("wouldDelete").isNull()).isTrue();
        long byClass = 0;
        long bytesByClass = 0;
        for (JsonNode total : job.path("classes")) {
            byClass += total.path("objects").asLong();
            bytesByClass += total.path("bytes").asLong();
        }
        assertThat(byClass).as("the deleted objects, counted by class").isEqualTo(deleted);
        assertThat(bytesByClass)
                .as("their state bytes, summed by class")
                .isEqualTo(job.path("progress").path("bytes").asLong())
                .isPositive();
        assertThat(job.path("housekeeping").isString()).isTrue();
        assertThat(job.path("requestedBy").asString()).isEqualTo("token");
        assertThat(exists(objects[0])).isTrue();
        assertThat(exists(objects[1])).isFalse();
        assertThat(api.get("/api/v1/packs", bearer(TOKEN))
                        .json()
                        .get(0)
                        .path("id")
                        .asLong())
                .isEqualTo(job.path("id").asLong());
        await().atMost(Duration.ofSeconds(10))
                .until(() -> status().path("lastPack").path("id").asLong()
                        == job.path("id").asLong());
    }

    @Test
    void dryRunReportsClassesAndDeletesNothing() throws Exception {
        long orphan = linkedAndOrphan()[1];

        String url = api.post(
                        "/api/v1/packs", "{\"graceSeconds\": 0, \"dryRun\": true}", basic("operator", "op-secret-pass"))
                .header("Location");

        JsonNode job = awaitEnded(url);
        assertThat(job.path("state").asString()).isEqualTo("dry_run");
        assertThat(job.path("dryRun").asBoolean()).isTrue();
        assertThat(job.path("progress").path("deleted").asLong())
                .as("a dry run deletes nothing")
                .isZero();
        long wouldDelete = job.path("wouldDelete").asLong();
        assertThat(wouldDelete).isGreaterThanOrEqualTo(1);
        assertThat(job.path("message").asString())
                .startsWith(String.format(Locale.ROOT, "would delete %,d objects (", wouldDelete))
                .doesNotContain("deleted");
        assertThat(job.path("classes").size()).isGreaterThanOrEqualTo(1);
        long byClass = 0;
        for (JsonNode total : job.path("classes")) {
            byClass += total.path("objects").asLong();
            assertThat(total.path("bytes").asLong()).isPositive();
        }
        assertThat(byClass).isEqualTo(wouldDelete);
        assertThat(job.path("requestedBy").asString()).isEqualTo("operator");
        assertThat(exists(orphan)).isTrue();
    }

    @Test
    void aSecondPackWhileOneRunsGets409WithTheRunningJobAndCancellingDeletesNothing() throws Exception {
        long orphan = linkedAndOrphan()[1];
        String first;
        // a Plone transaction between vote and finish keeps the job waiting at its first batch's fence
        try (RelStorageWriter.LockHolder commitLock = new RelStorageWriter(
                        db.dataSource(), RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK.generation())
                .holdCommitLock()) {
            first = api.post("/api/v1/packs", "{\"days\": 0}", bearer(TOKEN)).header("Location");

            ApiClient.Answer second = api.post("/api/v1/packs", "{\"days\": 0}", bearer(TOKEN));

            assertThat(second.status()).isEqualTo(409);
            assertThat(second.header("Content-Type")).startsWith("application/problem+json");
            assertThat(second.json().path("job").asString()).isEqualTo(first);
            assertThat(second.header("Location")).isEqualTo(first);
            assertThat(management.get("/actuator/prometheus").body()).contains("packer_pack_running 1.0");
            ApiClient.Answer cancel = api.delete(first, bearer(TOKEN));
            assertThat(cancel.status()).isEqualTo(202);
            awaitEnded(first);
        }
        JsonNode job = awaitEnded(first);
        assertThat(job.path("state").asString()).isEqualTo("cancelled");
        assertThat(exists(orphan)).isTrue();
        assertThat(api.delete(first, bearer(TOKEN)).status()).isEqualTo(409);
    }

    @Test
    void metricsMoveDuringARealPack() throws Exception {
        for (int i = 0; i < 20; i++) {
            linkedAndOrphan();
        }
        double before = sample("packer_collector_deleted_objects_total");
        double completedBefore = sample("packer_packs_total{outcome=\"completed\"}");

        JsonNode job = awaitEnded(
                api.post("/api/v1/packs", "{\"days\": 0}", bearer(TOKEN)).header("Location"));

        assertThat(job.path("state").asString()).isEqualTo("completed");
        assertThat(sample("packer_collector_deleted_objects_total")).isGreaterThanOrEqualTo(before + 20);
        assertThat(sample("packer_packs_total{outcome=\"completed\"}")).isEqualTo(completedBefore + 1);
        assertThat(sample("packer_collector_fence_hold_seconds_count")).isGreaterThan(0);
        assertThat(sample("packer_collector_scanned_objects_total")).isGreaterThanOrEqualTo(20);
        await().atMost(Duration.ofSeconds(10)).until(() -> sample("packer_index_objects") > 20);
        assertThat(sample("packer_index_lag_seconds")).isLessThan(60);
    }

    double sample(String series) throws Exception {
        String text = management.get("/actuator/prometheus").body();
        return text.lines()
                .filter(line -> line.startsWith(series + " ") || line.startsWith(series.replace("}", ",")))
                .filter(line -> !line.startsWith("#"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }

    @Test
    void anonymousAndWrongCredentialsChangeNothing() throws Exception {
        long orphan = linkedAndOrphan()[1];
        int packsBefore = api.get("/api/v1/packs", bearer(TOKEN)).json().size();
        List<String[]> wrong = List.of(
                new String[0],
                bearer("not-the-token"),
                basic("operator", "wrong"),
                basic("intruder", "op-secret-pass"),
                new String[] {"Authorization", "Digest foo"});
        for (String[] headers : wrong) {
            assertThat(api.post("/api/v1/packs", "{\"days\": 0}", headers).status())
                    .isEqualTo(401);
            assertThat(api.post("/api/v1/pause", "{}", headers).status()).isEqualTo(401);
            assertThat(api.post("/api/v1/index/rebuild?confirm=discard-index", "{}", headers)
                            .status())
                    .isEqualTo(401);
            assertThat(api.delete("/api/v1/packs/1", headers).status()).isEqualTo(401);
            assertThat(api.get("/api/v1/status", headers).status()).isEqualTo(401);
        }
        ApiClient.Answer anonymous = api.get("/api/v1/status");
        assertThat(anonymous.response().headers().allValues("WWW-Authenticate")).anyMatch(h -> h.startsWith("Basic"));
        assertThat(anonymous.json().path("detail").asString()).contains("Authorization");

        assertThat(api.get("/api/v1/packs", bearer(TOKEN)).json().size()).isEqualTo(packsBefore);
        assertThat(status().path("paused").asBoolean()).isFalse();
        assertThat(exists(orphan)).isTrue();
    }

    @Test
    void basicAuthenticatedPostsMustBeJsonSoNoOtherSiteCanForgeThem() throws Exception {
        ApiClient.Answer form = api.postRaw(
                "/api/v1/pause", "a=b", "application/x-www-form-urlencoded", basic("operator", "op-secret-pass"));

        assertThat(form.status()).isEqualTo(403);
        assertThat(form.json().path("detail").asString()).contains("application/json");
        assertThat(status().path("paused").asBoolean()).isFalse();
        assertThat(api.postRaw("/api/v1/pause", "", "text/plain", bearer(TOKEN)).status())
                .isEqualTo(200);
        assertThat(api.post("/api/v1/resume", "{}", basic("operator", "op-secret-pass"))
                        .status())
                .isEqualTo(200);
    }

    @Test
    void pauseIsKeptInTheDatabaseWhileThePollerGoesOn() throws Exception {
        JdbcTemplate jdbc = new JdbcTemplate(db.dataSource());
        assertThat(api.post("/api/v1/pause", null, bearer(TOKEN))
                        .json()
                        .path("paused")
                        .asBoolean())
                .isTrue();
        try {
            assertThat(status().path("phase").asString()).isEqualTo("paused");
            assertThat(status().path("reason").asString())
                    .as("who paused, and how to resume")
                    .startsWith("paused by token since ")
                    .contains("POST /api/v1/resume");
            assertThat(jdbc.queryForObject("SELECT paused_by FROM packer.pause", String.class))
                    .as("kept where a restarted or another instance reads it")
                    .isEqualTo("token");
            long orphan = linkedAndOrphan()[1];
            await().atMost(Duration.ofSeconds(10))
                    .alias("the index follows commits while collection is paused")
                    .until(() ->
                            api.get("/api/v1/objects/" + orphan, bearer(TOKEN)).status() == 200);
        } finally {
            assertThat(api.post("/api/v1/resume", null, bearer(TOKEN))
                            .json()
                            .path("paused")
                            .asBoolean())
                    .isFalse();
        }
        assertThat(jdbc.queryForObject("SELECT count(*) FROM packer.pause", Long.class))
                .as("resumed: no pause left")
                .isZero();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> "idle".equals(status().path("phase").asString()));
    }

    /** A bad request, what it must get, and what the detail must name. */
    record Bad(String method, String path, String body, int status, String... named) {}

    static final String RANGE = "0 to 9223372036854775807";

    @Test
    void badInputGetsAProblemNamingTheFieldTheValueAndWhatIsAccepted() throws Exception {
        String packs = "/api/v1/packs";
        List<Bad> table = List.of(
                new Bad("POST", packs, "{}", 400, "days", "graceSeconds"),
                new Bad("POST", packs, "{\"days\": 1, \"graceSeconds\": 5}", 400, "exactly one"),
                new Bad("POST", packs, "{\"days\": -1}", 400, "days: -1 is out of range", "0"),
                new Bad("POST", packs, "{\"days\": 40000}", 400, "days: 40000", "36500"),
                new Bad("POST", packs, "{\"graceSeconds\": -5}", 400, "graceSeconds: -5", "0"),
                new Bad("POST", packs, "{\"days\": \"soon\"}", 400, "days", "number"),
                new Bad("POST", packs, "{\"days\": \"1\"}", 400, "days", "string", "number"),
                new Bad("POST", packs, "{\"days\": 1, \"dryRun\": \"true\"}", 400, "dryRun", "boolean"),
                new Bad("POST", packs, "{\"days\": 1, \"dryRun\": 1}", 400, "dryRun", "boolean"),
                new Bad("POST", packs, "{\"days\": 1, \"dryrun\": true}", 400, "dryrun: unknown field", "dryRun"),
                new Bad("POST", packs, "{\"days\": 1, \"days\": 0}", 400, "days: given twice"),
                new Bad("POST", packs, "{\"days\": 1, \"unknownHistory\": \"x\"}", 400, "unknownHistory: x", "build"),
                new Bad("POST", packs, "not json", 400, "JSON"),
                new Bad("POST", packs, "", 400, "JSON"),
                new Bad("GET", "/api/v1/objects/zoid-12", "", 400, "zoid-12", RANGE),
                new Bad("GET", "/api/v1/objects/-1", "", 400, "'-1'", RANGE),
                new Bad("GET", "/api/v1/objects/0xffffffffffffffff", "", 400, "0xffffffffffffffff", RANGE),
                new Bad("GET", "/api/v1/objects/9223372036854775808", "", 400, "9223372036854775808", RANGE),
                new Bad("GET", "/api/v1/objects/0x" + "f".repeat(17), "", 400, RANGE),
                new Bad("GET", "/api/v1/objects/-1/path", "", 400, "'-1'", RANGE),
                new Bad("GET", "/api/v1/objects/0x7ffffffffffffff0", "", 404, "0x7ffffffffffffff0"),
                new Bad("GET", "/api/v1/objects/9223372036854775807/path", "", 404, "not in the index"),
                new Bad("GET", "/api/v1/objects/0x1?referrers=-1", "", 400, "referrers: -1", "0"),
                new Bad("GET", "/api/v1/objects/0x1/path?maxVisited=abc", "", 400, "maxVisited: 'abc'", "integer"),
                new Bad("GET", packs + "/987654", "", 404, "no pack job 987654"),
                new Bad("GET", packs + "/abc", "", 400, "id: 'abc'", "integer"),
                new Bad("GET", packs + "?limit=0", "", 400, "limit: 0", "1"),
                new Bad("GET", packs + "?limit=x", "", 400, "limit: 'x'", "integer"),
                new Bad("GET", "/api/v1/dangling?limit=100000", "", 400, "limit: 100000", "10000"),
                new Bad("GET", "/api/v1/stats/classes?limit=0", "", 400, "limit: 0", "1"),
                new Bad("GET", "/api/v1/stats/largest?limit=-3", "", 400, "limit: -3", "1"),
                new Bad("POST", "/api/v1/index/rebuild", "{}", 400, "confirm=discard-index"),
                new Bad("POST", "/api/v1/index/verify?fraction=2", "{}", 400, "fraction: 2", "1"),
                new Bad("GET", "/api/v1/nothing-here", "", 404, "openapi.yaml"));
        int jobs = api.get(packs + "?limit=500", bearer(TOKEN)).json().size();
        for (Bad bad : table) {
            ApiClient.Answer answer = bad.method().equals("GET")
                    ? api.get(bad.path(), bearer(TOKEN))
                    : api.post(bad.path(), bad.body(), bearer(TOKEN));
            String request = bad.method() + " " + bad.path() + " " + bad.body() + " -> " + answer.body();
            assertThat(answer.status()).as(request).isEqualTo(bad.status());
            assertThat(answer.header("Content-Type")).as(request).startsWith("application/problem+json");
            assertThat(answer.json().path("detail").asString()).as(request).contains(bad.named());
        }
        assertThat(loop.paused()).isFalse();
        assertThat(api.get(packs + "?limit=500", bearer(TOKEN)).json().size()).isEqualTo(jobs);
        assertThat(api.get("/api/v1/status", bearer(TOKEN)).status()).isEqualTo(200);
    }

    @Test
    void requestsTomcatOrTheFirewallTurnAwayGetAProblemToo() throws Exception {
        for (String path : List.of(
                "/api/v1/%2e%2e/%2e%2e/etc/passwd",
                "/api/v1/objects/%2e%2e%2fstatus",
                "/api/v1//status",
                "/api/v1/status;x=1",
                "/api/v1/objects/" + "7".repeat(10_000))) {
            ApiClient.Answer answer = api.get(path, bearer(TOKEN));
            String request = "GET " + path.substring(0, Math.min(60, path.length())) + " -> " + answer.body();
            assertThat(answer.status()).as(request).isBetween(400, 499);
            assertThat(answer.header("Content-Type")).as(request).startsWith("application/problem+json");
            assertThat(answer.json().path("status").asInt()).as(request).isEqualTo(answer.status());
            assertThat(answer.json().path("detail").asString()).as(request).isNotBlank();
        }
        ApiClient.Answer spec = api.get("/api/v1/openapi.yaml");
        assertThat(spec.status()).isEqualTo(200);
        assertThat(spec.header("Content-Type")).startsWith("application/yaml");
    }

    void assertProblem(ApiClient.Answer answer, int status, String detail) {
        assertThat(answer.status()).as(answer.body()).isEqualTo(status);
        assertThat(answer.header("Content-Type")).as(answer.body()).startsWith("application/problem+json");
        assertThat(answer.json().path("detail").asString()).as(answer.body()).contains(detail);
    }

    @Test
    void objectPathDanglingAndStatistics() throws Exception {
        long parent = graph.newOid();
        long child = graph.newOid();
        long missing = graph.newOid() + 1000;
        List<Long> root = new ArrayList<>(graph.children.getOrDefault(0L, List.of()));
        root.add(parent);
        graph.commit(Map.of(parent, List.of(child), child, List.of(missing), 0L, root));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> api.get("/api/v1/objects/" + child, bearer(TOKEN)).status() == 200);

        JsonNode object = api.get("/api/v1/objects/0x" + Long.toHexString(child), bearer(TOKEN))
                .json();
        assertThat(object.path("oid").asString()).isEqualTo("0x" + Long.toHexString(child));
        assertThat(object.path("object").path("referrers").get(0).asLong()).isEqualTo(parent);
        assertThat(object.path("object").path("references").get(0).asLong()).isEqualTo(missing);
        assertThat(object.path("object").path("reachability").asString()).isEqualTo("referenced");
        assertThat(object.path("object").path("tid").asString()).matches("0x[0-9a-f]{16}");
        assertThat(api.get("/api/v1/stats/largest", bearer(TOKEN)).json())
                .allSatisfy(o -> assertThat(o.path("tid").asString()).matches("0x[0-9a-f]{16}"));

        JsonNode path = api.get("/api/v1/objects/" + child + "/path", bearer(TOKEN))
                .json()
                .path("path");
        assertThat(path.path("found").asBoolean()).isTrue();
        assertThat(path.path("steps").findValuesAsString("zoid")).isNotNull();
        List<Long> chain = new ArrayList<>();
        path.path("steps").forEach(step -> chain.add(step.path("zoid").asLong()));
        assertThat(chain).containsExactly(0L, parent, child);

        JsonNode dangling = api.get("/api/v1/dangling", bearer(TOKEN)).json();
        assertThat(dangling.path("total").asLong()).isGreaterThanOrEqualTo(1);
        List<Long> missingZoids = new ArrayList<>();
        dangling.path("missing").forEach(m -> missingZoids.add(m.path("zoid").asLong()));
        assertThat(missingZoids).contains(missing);

        assertThat(api.get("/api/v1/stats/classes?limit=5", bearer(TOKEN))
                        .json()
                        .get(0)
                        .has("bytes"))
                .isTrue();
        assertThat(api.get("/api/v1/stats/largest?limit=3", bearer(TOKEN))
                        .json()
                        .size())
                .isBetween(1, 3);

        long orphan = linkedAndOrphan()[1];
        await().atMost(Duration.ofSeconds(10))
                .until(() -> api.get("/api/v1/objects/" + orphan, bearer(TOKEN)).status() == 200);
        JsonNode orphanPath = api.get("/api/v1/objects/" + orphan + "/path", bearer(TOKEN))
                .json()
                .path("path");
        assertThat(orphanPath.path("found").asBoolean()).isFalse();
        assertThat(orphanPath.path("complete").asBoolean()).isTrue();
        assertThat(api.get("/api/v1/objects/" + orphan, bearer(TOKEN))
                        .json()
                        .path("object")
                        .path("reachability")
                        .asString())
                .isEqualTo("unreferenced");
    }

    @Test
    void aClientThatHangsUpMidRequestLeavesNothingHalfDone() throws Exception {
        long[] objects = linkedAndOrphan();
        int before = api.get("/api/v1/packs", bearer(TOKEN)).json().size();
        String body = "{\"days\": 0}";
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.getOutputStream()
                    .write(("POST /api/v1/packs HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TOKEN
                                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
                                    + "\r\n\r\n" + body)
                            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
        }
        // the job, if the request got in, runs to its end without the client
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            JsonNode jobs = api.get("/api/v1/packs", bearer(TOKEN)).json();
            return jobs.size() == before || !jobs.get(0).path("finishedAt").isNull();
        });
        JsonNode jobs = api.get("/api/v1/packs", bearer(TOKEN)).json();
        if (jobs.size() > before) {
            assertThat(jobs.get(0).path("state").asString()).isEqualTo("completed");
            assertThat(exists(objects[1])).isFalse();
        } else {
            assertThat(exists(objects[1])).isTrue();
        }
        assertThat(exists(objects[0])).isTrue();
        assertThat(api.post("/api/v1/index/verify?fraction=1", "{}", bearer(TOKEN))
                        .json()
                        .path("differenceCount")
                        .asLong())
                .isZero();
    }

    @Test
    void rebuildDiscardsTheIndexAndBuildsItAgain() throws Exception {
        long orphan = linkedAndOrphan()[1];
        await().atMost(Duration.ofSeconds(10))
                .until(() -> api.get("/api/v1/objects/" + orphan, bearer(TOKEN)).status() == 200);

        ApiClient.Answer rebuild = api.post("/api/v1/index/rebuild?confirm=discard-index", "{}", bearer(TOKEN));

        assertThat(rebuild.status()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> "idle".equals(status().path("phase").asString()));
        JsonNode object =
                api.get("/api/v1/objects/" + orphan, bearer(TOKEN)).json().path("object");
        assertThat(object.path("reachability").asString()).isEqualTo("unreferenced");
        assertThat(api.post("/api/v1/index/verify?fraction=1", "{}", bearer(TOKEN))
                        .json()
                        .path("differenceCount")
                        .asLong())
                .isZero();
        // history unknown before the build: the grace counts from the rebuild, so a one-hour pack keeps it
        JsonNode job = awaitEnded(api.post("/api/v1/packs", "{\"graceSeconds\": 3600}", bearer(TOKEN))
                .header("Location"));
        assertThat(job.path("state").asString()).isEqualTo("completed");
        assertThat(exists(orphan)).isTrue();
    }

    @Test
    void verifyReportsACleanIndex() throws Exception {
        JsonNode report =
                api.post("/api/v1/index/verify?fraction=1", "{}", bearer(TOKEN)).json();

        assertThat(report.path("differenceCount").asLong()).isZero();
        assertThat(report.path("objectsChecked").asLong()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void actuatorShowsHealthGroupsLocksAndInfoAndNoSecrets() throws Exception {
        assertThat(management
                        .get("/actuator/health/liveness")
                        .json()
                        .path("status")
                        .asString())
                .isEqualTo("UP");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> "UP"
                        .equals(management
                                .get("/actuator/health/readiness")
                                .json()
                                .path("status")
                                .asString()));
        JsonNode readiness = management.get("/actuator/health/readiness").json();
        assertThat(readiness.path("components").has("index")).isTrue();
        assertThat(readiness.path("components").has("relstorage"))
                .as("readiness follows the real lag only: a held collection keeps the status page in service")
                .isFalse();

        JsonNode packer = management.get("/actuator/packer").json();
        assertThat(packer.path("status").path("phase").asString()).isEqualTo("idle");
        List<String> locks = new ArrayList<>();
        packer.path("locks").forEach(l -> locks.add(l.path("lock").asString()));
        assertThat(locks).contains("leader");
        assertThat(packer.path("locksError").isNull()).isTrue();
        assertThat(packer.path("locks"))
                .as("anonymous readers see pids, not who or where")
                .allSatisfy(l -> {
                    assertThat(l.path("pid").asInt()).isPositive();
                    assertThat(l.path("user").isNull()).isTrue();
                    assertThat(l.path("client").isNull()).isTrue();
                });
        assertThat(packer.path("redacted").asString()).contains("packer.api.token");
        JsonNode operator = management.get("/actuator/packer", bearer(TOKEN)).json();
        assertThat(operator.path("redacted").isNull()).isTrue();
        List<String> users = new ArrayList<>();
        operator.path("locks").forEach(l -> users.add(l.path("user").asString()));
        assertThat(users)
                .as("the leader lock is held by our own connection")
                .contains(new JdbcTemplate(db.dataSource()).queryForObject("SELECT current_user", String.class));
        assertThat(management.get("/actuator/packer", bearer("wrong")).status()).isEqualTo(401);

        assertThat(management
                        .get("/actuator/info")
                        .json()
                        .path("relstorage")
                        .path("generation")
                        .asString())
                .contains("3.5.0a4");

        for (String endpoint : List.of("/actuator/env", "/actuator/configprops")) {
            String body = management.get(endpoint).body();
            assertThat(body).doesNotContain(TOKEN).doesNotContain("op-secret-pass");
        }
    }
}
