package io.github.relstoragepacker.ship;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relstoragepacker.ship.Dockerfile.Stage;
import io.github.relstoragepacker.testsupport.PackagedJar;
import io.github.relstoragepacker.testsupport.RelStorageSchema;
import io.github.relstoragepacker.testsupport.TestDatabase;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the image does, without a Docker engine: the Dockerfile's own extract command splits the
 * packaged jar, its COPY lines assemble /app, its training run writes the class-data archive (which
 * the JVM then maps: {@code -Xshare:on} fails otherwise), its ENTRYPOINT and JAVA_TOOL_OPTIONS start the daemon
 * in that directory with the chart's rendered application.yml in ./config, and the chart's probe
 * paths answer on the management port. The working directory must be left exactly as it was: in the
 * image it is read-only, and everything the JVM writes must go to the temporary directory.
 */
class DockerImageLayoutIT {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    @Test
    void theDaemonRunsFromTheImagesLayersAndWritesOnlyToTmp() throws Exception {
        Dockerfile dockerfile = Dockerfile.read();
        Path layers = extract(dockerfile.stage("build"));
        Stage runtime = dockerfile.runtime();
        assertThat(DockerfileTest.layers(runtime))
                .as("every layer of the jar is copied into the image")
                .containsExactlyInAnyOrderElementsOf(list(layers));
        Path app = assemble(layers, runtime);
        train(runtime, app);
        Chart.Manifests manifests = Chart.render(Map.of());
        Files.createDirectories(app.resolve("config"));
        Files.writeString(app.resolve("config/application.yml"), (String)
                Node.at(manifests.named("ConfigMap", Chart.FULLNAME), "data", "application.yml"));
        Set<String> before = tree(app);
        Path tmp = Files.createDirectories(dir.resolve("tmp"));

        try (TestDatabase db = TestDatabase.open("image")) {
            db.install(RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK);
            int http = freePort();
            int management = freePort();
            Process daemon = start(runtime, app, tmp, db, http, management);
            try {
                Map<String, Object> container =
                        Node.map(manifests.one("Deployment"), "spec", "template", "spec", "containers", 0);
                for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                    String path = (String) Node.at(container, probe, "httpGet", "path");
                    assertThat(awaitOk(daemon, management, path))
                            .as(probe + " " + path)
                            .isEqualTo(200);
                }
                Set<String> exported = get(management, "/actuator/prometheus")
                        .body()
                        .lines()
                        .filter(line -> !line.startsWith("#") && !line.isBlank())
                        .map(line -> ChartMetrics.family(line.split("[{ ]", 2)[0]))
                        .collect(Collectors.toCollection(TreeSet::new));
                assertThat(exported).contains("jvm_memory_used_bytes");
                Set<String> used = new TreeSet<>();
                Stream.concat(ChartMetrics.dashboard().stream(), ChartMetrics.rules().stream())
                        .map(ChartMetrics::family)
                        .forEach(used::add);
                assertThat(exported)
                        .as("every metric the dashboard and the alerts use is exported by the running daemon")
                        .containsAll(used);
                assertThat(list(tmp))
                        .as("Tomcat's work directories are in java.io.tmpdir")
                        .anySatisfy(name -> assertThat(name).startsWith("tomcat"));
            } finally {
                daemon.destroy();
                assertThat(daemon.waitFor(60, TimeUnit.SECONDS)).isTrue();
            }
        }

        assertThat(tree(app)).as("nothing written in the read-only /app").isEqualTo(before);
    }

    /** Runs the Dockerfile's extract command with /layers moved into the test's directory. */
    private Path extract(Stage build) throws Exception {
        String run = build.arguments("RUN").stream()
                .filter(r -> r.contains("-Djarmode=tools"))
                .findFirst()
                .orElseThrow();
        String command = run.substring(run.indexOf("java -Djarmode=tools"));
        Path layers = dir.resolve("layers");
        List<String> words = new ArrayList<>(List.of(command.split("\\s+")));
        words.set(0, PackagedJar.java());
        words.replaceAll(w -> w.equals("/layers") ? layers.toString() : w);
        Process process = new ProcessBuilder(words).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return layers;
    }

    /**
     * Runs the Dockerfile's training run in {@code app}, then the entrypoint with {@code -Xshare:on}
     * and {@code --help}: a JVM that cannot map the archive refuses to start.
     */
    private void train(Stage runtime, Path app) throws Exception {
        List<String> training =
                new ArrayList<>(List.of(DockerfileTest.training(runtime).split("\\s+")));
        training.removeIf(word -> word.startsWith(">"));
        run(app, training);
        assertThat(app.resolve(DockerfileTest.ARCHIVE)).isRegularFile();
        List<String> help = new ArrayList<>(runtime.execForm("ENTRYPOINT"));
        help.add(1, "-Xshare:on");
        help.add("--help");
        run(app, help);
    }

    private static void run(Path directory, List<String> command) throws Exception {
        List<String> words = new ArrayList<>(command);
        assertThat(words.get(0)).isEqualTo("java");
        words.set(0, PackagedJar.java());
        Process process = new ProcessBuilder(words)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue())
                .as(String.join(" ", words) + "\n" + output)
                .isZero();
    }

    private Path assemble(Path layers, Stage runtime) throws IOException {
        Path app = Files.createDirectories(dir.resolve("app"));
        for (String layer : DockerfileTest.layers(runtime)) {
            Path from = layers.resolve(layer);
            try (Stream<Path> files = Files.walk(from)) {
                for (Path file : files.toList()) {
                    Path target = app.resolve(from.relativize(file).toString());
                    if (Files.isDirectory(file)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(file, target);
                    }
                }
            }
        }
        return app;
    }

    private Process start(Stage runtime, Path app, Path tmp, TestDatabase db, int http, int management)
            throws IOException {
        List<String> command = new ArrayList<>(runtime.execForm("ENTRYPOINT"));
        assertThat(command.get(0)).isEqualTo("java");
        command.set(0, PackagedJar.java());
        command.add("--server.port=" + http);
        command.add("--management.server.port=" + management);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(app.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("daemon.log").toFile());
        Map<String, String> env = builder.environment();
        env.put("JAVA_TOOL_OPTIONS", javaToolOptions(runtime).replace("/tmp", tmp.toString()));
        env.put("SPRING_DATASOURCE_URL", db.jdbcUrl());
        env.put("SPRING_DATASOURCE_USERNAME", db.username());
        env.put("SPRING_DATASOURCE_PASSWORD", db.password());
        return builder.start();
    }

    private static String javaToolOptions(Stage runtime) {
        String env = runtime.arguments("ENV").stream()
                .filter(e -> e.startsWith("JAVA_TOOL_OPTIONS="))
                .findFirst()
                .orElseThrow();
        return env.substring("JAVA_TOOL_OPTIONS=".length()).replace("\"", "");
    }

    /** Polls {@code path} until it answers 200 or the daemon dies; bounded to two minutes. */
    private int awaitOk(Process daemon, int port, String path) throws Exception {
        int status = -1;
        for (int attempt = 0; attempt < 240 && daemon.isAlive(); attempt++) {
            try {
                status = get(port, path).statusCode();
                if (status == 200) {
                    return status;
                }
            } catch (IOException notYetListening) {
                // The daemon is still starting.
            }
            Thread.sleep(500);
        }
        throw new AssertionError(
                path + " answered " + status + "; log:\n" + Files.readString(dir.resolve("daemon.log")));
    }

    private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static List<String> list(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static Set<String> tree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.map(f -> root.relativize(f) + (Files.isDirectory(f) ? "/" : " " + size(f)))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
