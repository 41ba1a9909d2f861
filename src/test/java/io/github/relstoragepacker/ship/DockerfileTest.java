package io.github.relstoragepacker.ship;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relstoragepacker.ship.Dockerfile.Stage;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Dockerfile builds with the wrapper, runs the layered jar on a Temurin JRE as a non-root numeric
 * user with only /tmp written to, and agrees with the chart and the contract on ports, working
 * directory and user. (No Docker engine here; DockerImageLayoutIT runs the same layers from the real
 * jar.)
 */
class DockerfileTest {

    static final String ARCHIVE = "relstorage-packer.jsa";
    private static final Pattern LAYER_COPY = Pattern.compile("--from=build /layers/([\\w-]+)/ \\./");

    private final Dockerfile dockerfile = Dockerfile.read();

    @Test
    void buildsWithTheWrapperAndRunsOnATemurinJre() {
        assertThat(dockerfile.stages()).hasSize(2);
        Stage build = dockerfile.stage("build");
        assertThat(build.image()).startsWith("eclipse-temurin:17-jdk");
        assertThat(String.join("\n", build.arguments("RUN")))
                .contains("./mvnw ")
                .contains("-Djarmode=tools -jar target/relstorage-packer.jar extract --layers --destination /layers");
        assertThat(dockerfile.runtime().image()).startsWith("eclipse-temurin:17-jre");
    }

    @Test
    void runsAsTheNonRootUserOfTheChart() {
        String user = dockerfile.runtime().last("USER");

        assertThat(user).as("numeric, so runAsNonRoot can verify it").matches("\\d+(:\\d+)?");
        String[] ids = user.split(":");
        assertThat(Integer.parseInt(ids[0])).isNotZero();
        Map<String, Object> podSecurity =
                Node.map(Chart.render(Map.of()).one("Deployment"), "spec", "template", "spec", "securityContext");
        assertThat(podSecurity.get("runAsUser")).isEqualTo(Integer.parseInt(ids[0]));
        assertThat(podSecurity.get("runAsGroup")).isEqualTo(Integer.parseInt(ids[1]));
    }

    @Test
    void exposesTheAppAndManagementPorts() {
        assertThat(dockerfile.runtime().last("EXPOSE").split("\\s+")).containsExactlyInAnyOrder("8080", "8081");
    }

    @Test
    void entrypointRunsTheExtractedJarWithTheClassDataArchiveFromTheWorkingDirectory() {
        Stage runtime = dockerfile.runtime();

        assertThat(runtime.execForm("ENTRYPOINT"))
                .containsExactly("java", "-XX:SharedArchiveFile=" + ARCHIVE, "-jar", "relstorage-packer.jar");
        assertThat(runtime.last("WORKDIR"))
                .as("the chart mounts application.yml at /app/config")
                .isEqualTo("/app");
        assertThat(layers(runtime))
                .containsExactly("dependencies", "spring-boot-loader", "snapshot-dependencies", "application");
    }

    @Test
    void theClassDataArchiveIsTrainedAtBuildTimeWithoutADatabase() {
        String training = training(dockerfile.runtime());

        assertThat(training)
                .contains("-XX:ArchiveClassesAtExit=" + ARCHIVE, "-Dspring.context.exit=onRefresh")
                .contains("-jar relstorage-packer.jar");
        List<String> instructions = dockerfile.runtime().instructions().stream()
                .map(i -> i.keyword() + " " + i.arguments())
                .toList();
        assertThat(instructions.indexOf("RUN " + training))
                .as("after the layers it archives the classes of, before the user that cannot write /app")
                .isGreaterThan(instructions.lastIndexOf("COPY --from=build /layers/application/ ./"))
                .isLessThan(instructions.indexOf("USER " + dockerfile.runtime().last("USER")));
    }

    @Test
    void theJvmWritesOnlyToTmpAndFitsTheContainer() {
        String options = dockerfile.runtime().arguments("ENV").stream()
                .filter(e -> e.startsWith("JAVA_TOOL_OPTIONS="))
                .findFirst()
                .orElseThrow();

        assertThat(options)
                .contains("-Djava.io.tmpdir=/tmp")
                .contains("-XX:ErrorFile=/tmp/")
                .contains("-XX:HeapDumpPath=/tmp")
                .contains("-XX:MaxRAMPercentage=")
                .contains("-XX:+ExitOnOutOfMemoryError")
                .doesNotContain("SharedArchiveFile", "ArchiveClassesAtExit", "AutoCreateSharedArchive", "-Xmx");
    }

    @Test
    void carriesOciLabels() {
        String labels = String.join(" ", dockerfile.runtime().arguments("LABEL"));

        for (String key : List.of("title", "description", "licenses", "version", "revision")) {
            assertThat(labels).contains("org.opencontainers.image." + key + "=");
        }
        assertThat(labels).contains("org.opencontainers.image.licenses=\"BSD-2-Clause\"");
    }

    @Test
    void parserJoinsContinuationsAndSkipsComments() {
        Dockerfile parsed = Dockerfile.parse(
                "# syntax=docker/dockerfile:1\nARG X=1\nFROM a:1 AS one\nRUN echo \\\n    two\n# note\nFROM b:2\nUSER 5\n");

        assertThat(parsed.stages()).extracting(Stage::image).containsExactly("a:1", "b:2");
        assertThat(parsed.stage("one").last("RUN")).isEqualTo("echo  two");
        assertThat(parsed.runtime().name()).isNull();
        assertThat(parsed.runtime().last("USER")).isEqualTo("5");
    }

    /** The runtime stage's RUN instruction that writes the class-data archive. */
    static String training(Stage runtime) {
        return runtime.arguments("RUN").stream()
                .filter(r -> r.contains("-XX:ArchiveClassesAtExit="))
                .findFirst()
                .orElseThrow();
    }

    /** The build-stage layers copied into the image, in order. */
    static List<String> layers(Stage runtime) {
        return runtime.arguments("COPY").stream()
                .map(LAYER_COPY::matcher)
                .filter(Matcher::matches)
                .map(m -> m.group(1))
                .toList();
    }
}
