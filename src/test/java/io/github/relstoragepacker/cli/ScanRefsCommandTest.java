package io.github.relstoragepacker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relstoragepacker.PackerApplication;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code scan-refs} over the ZODB fixture records: the output format and the exit codes. */
class ScanRefsCommandTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void answersEveryFixtureLineLikeReferencesf() throws IOException {
        List<String[]> fixtures = fixtures();
        Path input = dir.resolve("records.hex");
        Files.write(input, fixtures.stream().map(f -> f[0]).toList());

        int exit = run("scan-refs", input.toString());

        List<String> lines = output();
        assertThat(lines).hasSize(fixtures.size());
        for (int i = 0; i < lines.size(); i++) {
            String expected = fixtures.get(i)[1];
            if (expected.equals("ERROR")) {
                assertThat(lines.get(i)).as("line %d", i + 1).startsWith("ERROR ");
            } else {
                assertThat(lines.get(i)).as("line %d", i + 1).isEqualTo(expected);
            }
        }
        assertThat(exit).as("some records are unreadable").isEqualTo(1);
    }

    @Test
    void exitsZeroWhenEveryRecordIsReadAndTreatsEmptyLinesAsEmptyStates() throws IOException {
        Path input = dir.resolve("ok.hex");
        Files.writeString(input, "\n4e2e430800000000000000075171002e\n");

        int exit = run("scan-refs", input.toString());

        assertThat(output()).containsExactly("", "7");
        assertThat(exit).isZero();
    }

    @Test
    void reportsLinesThatAreNotHexAndCarriesOn() throws IOException {
        Path input = dir.resolve("bad.hex");
        Files.writeString(input, "zz\n4e2e4e2e\n");

        int exit = run("scan-refs", input.toString());

        assertThat(output()).hasSize(2);
        assertThat(output().get(0)).startsWith("ERROR line is not hexadecimal");
        assertThat(output().get(1)).isEmpty();
        assertThat(exit).isEqualTo(1);
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertThat(run("scan-refs")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("usage:");
        assertThat(run("scan-refs", dir.resolve("missing").toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("no such file");
    }

    private int run(String... args) {
        return CommandLine.run(
                PackerApplication.class,
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private List<String> output() {
        return out.toString(StandardCharsets.UTF_8).lines().toList();
    }

    private static List<String[]> fixtures() throws IOException {
        try (InputStream in = ScanRefsCommandTest.class.getResourceAsStream("/fixtures/zodb-records.tsv")) {
            List<String[]> rows = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                rows.add(line.split("\t", -1));
            }
            return rows;
        }
    }
}
