package io.github.relstoragepacker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relstoragepacker.PackerApplication;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Help is answered without Spring and without a database: no datasource is configured here, so a
 * Spring start would fail instead of printing usage.
 */
class CommandLineHelpTest {

    // written out, not read from CommandLine's table: a command missing from the table must fail here
    static final List<String> COMMANDS = List.of(
            "pack",
            "status",
            "verify",
            "check-refs",
            "path",
            "scan-refs",
            "generate",
            "benchmark-index",
            "benchmark-pack",
            "benchmark-collect");

    record Run(int exit, String out, String err) {}

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(CommandLine.handles(args)).isTrue();
        int exit = CommandLine.run(
                PackerApplication.class,
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"--help", "-h", "help"})
    void topLevelHelpListsTheDaemonEveryCommandAndWhereSettingsAreDocumented(String help) {
        Run run = run(help);

        assertThat(run.exit()).isZero();
        assertThat(run.err()).isEmpty();
        assertThat(run.out()).contains("start the daemon").contains("README.md").contains("Configuration");
        for (String command : COMMANDS) {
            assertThat(run.out()).containsPattern("(?m)^  " + command + " +\\S");
        }
    }

    @ParameterizedTest
    @FieldSource("COMMANDS")
    void eachCommandPrintsItsOwnUsage(String command) {
        for (String help : new String[] {"--help", "-h"}) {
            Run run = run(command, help);

            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(run.out())
                    .startsWith(command + ": ")
                    .contains("usage: java -jar relstorage-packer.jar " + command);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "--spring.datasource.url=jdbc:postgresql://h/db", "packs"})
    void anythingElseStartsTheDaemon(String first) {
        assertThat(CommandLine.handles(first.isEmpty() ? new String[0] : new String[] {first}))
                .isFalse();
    }
}
