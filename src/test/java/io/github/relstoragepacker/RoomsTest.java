package io.github.relstoragepacker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Which package may import which, read from the sources' import lines: the reference scanner and the
 * target database stand alone, the service's rooms never reach up into the command line, the API,
 * the pages or the operations layer unless they sit above them, and nothing of the service imports the
 * demo or the benchmarks.
 */
class RoomsTest {

    private static final Path SOURCES = Path.of("src/main/java/io/github/relstoragepacker");

    /** Each package, and the packages of ours it may import (besides itself). */
    private static final Map<String, Set<String>> ALLOWED = Map.of(
            "pickle", Set.of(),
            "relstorage", Set.of(),
            "config", Set.of("relstorage"),
            "index", Set.of("pickle", "relstorage", "config"),
            "collect", Set.of("pickle", "relstorage", "config", "index"),
            "ops", Set.of("relstorage", "config", "index", "collect"),
            "api", Set.of("relstorage", "config", "index", "collect", "ops"),
            "web", Set.of("relstorage", "config", "index", "collect", "ops", "api"));

    @Test
    void everyPackageImportsOnlyTheRoomsBelowIt() {
        List<String> violations = ALLOWED.entrySet().stream()
                .flatMap(room -> imports(room.getKey()).stream()
                        .filter(used ->
                                !used.equals(room.getKey()) && !room.getValue().contains(used))
                        .map(used -> room.getKey() + " imports " + used))
                .sorted()
                .toList();

        assertThat(violations).isEmpty();
    }

    @Test
    void theRulesCoverEveryPackageButTheTopOnes() throws IOException {
        Set<String> packages = new TreeSet<>();
        try (Stream<Path> dirs = Files.list(SOURCES)) {
            dirs.filter(Files::isDirectory)
                    .forEach(d -> packages.add(d.getFileName().toString()));
        }
        packages.removeAll(ALLOWED.keySet());

        assertThat(packages).as("cli, demo and bench sit on top").containsExactlyInAnyOrder("cli", "demo", "bench");
    }

    private static Set<String> imports(String room) {
        Set<String> used = new TreeSet<>();
        try (Stream<Path> files = Files.walk(SOURCES.resolve(room))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                for (String line : Files.readAllLines(file)) {
                    String prefix = "import io.github.relstoragepacker.";
                    String statics = "import static io.github.relstoragepacker.";
                    String rest = line.startsWith(prefix)
                            ? line.substring(prefix.length())
                            : line.startsWith(statics) ? line.substring(statics.length()) : null;
                    if (rest != null && rest.contains(".")) {
                        used.add(rest.substring(0, rest.indexOf('.')));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return used;
    }
}
