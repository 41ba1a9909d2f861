package io.github.relstoragepacker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Help without a server or a database: the application class handed over is {@code Object}, so any
 * command that tried to start the service would fail instead of printing its usage.
 */
class CommandLineHelpTest {

    static final java.util.List<String> COMMAND_NAMES =
            CommandLine.COMMANDS.stream().map(CommandLine.Command::name).toList();

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @ParameterizedTest
    @ValueSource(strings = {"--help", "-h", "help"})
    void topLevelHelpListsEveryCommandAndHowToRunTheDaemon(String flag) {
        assertThat(CommandLine.handles(new String[] {flag})).isTrue();
        assertThat(run(flag)).isZero();

        String help = out();
        assertThat(help)
                .contains("run the daemon")
                .contains("spring.datasource.url")
                .contains("COMMAND --help");
        for (String name : COMMAND_NAMES) {
            assertThat(help).containsPattern("(?m)^  " + name + " +\\S");
        }
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @ParameterizedTest
    @FieldSource("COMMAND_NAMES")
    void eachCommandExplainsItselfWithDashDashHelp(String name) {
        assertThat(run(name, "--help")).isZero();
        assertThat(out()).startsWith(name + ": ").contains("usage: java -jar relstorage-packer.jar " + name);

        out.reset();
        assertThat(run(name, "--spring.datasource.url=jdbc:postgresql://nowhere/x", "-h"))
                .isZero();
        assertThat(out()).contains("usage: java -jar relstorage-packer.jar " + name);

        out.reset();
        assertThat(run("help", name)).isZero();
        assertThat(out()).contains("usage: java -jar relstorage-packer.jar " + name);
    }

    @org.junit.jupiter.api.Test
    void helpForAnUnknownCommandIsAUsageError() {
        assertThat(run("help", "gc")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("no command gc")
                .contains("commands:");
    }

    @org.junit.jupiter.api.Test
    void anythingElseIsLeftToTheDaemon() {
        assertThat(CommandLine.handles(new String[] {"--server.port=9000"})).isFalse();
        assertThat(CommandLine.handles(new String[0])).isFalse();
    }

    private int run(String... args) {
        return CommandLine.run(
                Object.class,
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }
}
