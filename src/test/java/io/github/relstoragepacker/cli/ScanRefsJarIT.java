package io.github.relstoragepacker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relstoragepacker.testsupport.PackagedJar;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged jar, run as a user would: {@code java -jar target/relstorage-packer.jar scan-refs FILE}. */
class ScanRefsJarIT {

    @TempDir
    Path dir;

    @Test
    void scansRecordsFromAFileWithoutStartingTheService() throws Exception {
        Path input = dir.resolve("records.hex");
        Files.writeString(input, "4e2e430800000000000000075171002e\n\n62726f6b656e7069636b6c65\n");
        Path output = dir.resolve("out.txt");

        Process process = new ProcessBuilder(PackagedJar.command("scan-refs", input.toString()))
                .redirectOutput(output.toFile())
                .redirectErrorStream(false)
                .start();

        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(1);
        assertThat(Files.readAllLines(output, StandardCharsets.UTF_8))
                .satisfiesExactly(
                        first -> assertThat(first).isEqualTo("7"),
                        second -> assertThat(second).isEmpty(),
                        third -> assertThat(third).startsWith("ERROR unpickling stack underflow"));
    }

    @Test
    void exitsWithTwoOnAUsageError() throws IOException, InterruptedException {
        Process process = new ProcessBuilder(PackagedJar.command("scan-refs"))
                .redirectErrorStream(true)
                .start();
        String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(2);
        assertThat(text).contains("usage: java -jar relstorage-packer.jar scan-refs FILE");
    }
}
