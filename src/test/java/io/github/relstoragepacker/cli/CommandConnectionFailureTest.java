package io.github.relstoragepacker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A command that cannot reach the database says which server it tried and what to check. */
class CommandConnectionFailureTest {

    @ParameterizedTest
    @ValueSource(strings = {"pack --days=1", "status"})
    void namesTheServerTheDatabaseTheRoleAndTheFix(String command) throws Exception {
        int closed;
        try (ServerSocket free = new ServerSocket(0)) {
            closed = free.getLocalPort();
        }
        String[] words = command.split(" ");
        String[] args = new String[words.length + 4];
        System.arraycopy(words, 0, args, 0, words.length);
        args[words.length] = "--spring.datasource.url=jdbc:postgresql://127.0.0.1:" + closed + "/plone";
        args[words.length + 1] = "--spring.datasource.username=packer";
        args[words.length + 2] = "--spring.datasource.password=secret";
        args[words.length + 3] = "--spring.datasource.hikari.connection-timeout=250";

        CommandLineHelpTest.Run run = CommandLineHelpTest.run(args);

        assertThat(run.exit()).isEqualTo(CommandLine.FAILED);
        assertThat(run.err())
                .contains("Connection refused by PostgreSQL at 127.0.0.1:" + closed + ", database plone, user packer")
                .contains("listen_addresses")
                .doesNotContain("secret");
    }
}
