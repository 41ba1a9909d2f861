package io.github.relstoragepacker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Which package may import which, read from the sources' import lines: the reference scanner and the
 * target database stand alone, the service's rooms never reach up into the command line, the API,
 * the pages or the operations layer unless they sit above them, and nothing of the service imports the
 * demo or the benchmarks. And which package may name which table of schema {@code packer} in its SQL:
 * each table has one, so a change to a table is a change to one room and its tests.
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

    /** Each package and the tables of schema {@code packer} it owns: no other package's SQL names them. */
    private static final Map<String, Set<String>> TABLES = Map.of(
            "index",
                    Set.of(
                            "object",
                            "ref",
                            "unreferenced",
                            "unreachable",
                            "progress",
                            "quarantine",
                            "class",
                            "deleted",
                            "build_range"),
            "collect", Set.of("blob_outbox", "collection_run", "pause"),
            "ops", Set.of("garbage_sample"));

    private static final Pattern STRING_LITERAL = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
    private static final Pattern TABLE_IN_SQL =
            Pattern.compile("(?i)(?:from|join|into|update|truncate|table|,)\\s+packer\\.(\\w+)");
    private static final Pattern CREATE_TABLE = Pattern.compile("(?i)create table (\\w+)");

    @Test
    void everyTableOfSchemaPackerIsNamedOnlyByItsOwner() throws IOException {
        Map<String, String> owners = new TreeMap<>();
        TABLES.forEach((room, tables) -> tables.forEach(table -> owners.put(table, room)));
        Set<String> created = new TreeSet<>();
        try (Stream<Path> migrations = Files.list(Path.of("src/main/resources/db/packer"))) {
            for (Path migration : migrations.toList()) {
                Matcher m = CREATE_TABLE.matcher(Files.readString(migration));
                while (m.find()) {
                    created.add(m.group(1));
                }
            }
        }
        assertThat(owners.keySet()).as("every table has an owner").isEqualTo(created);

        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String room = SOURCES.relativize(file).getName(0).toString();
                Matcher literal = STRING_LITERAL.matcher(Files.readString(file));
                while (literal.find()) {
                    Matcher table = TABLE_IN_SQL.matcher(literal.group());
                    while (table.find()) {
                        String owner = owners.get(table.group(1));
                        if (owner != null && !owner.equals(room)) {
                            violations.add(file.getFileName() + " (" + room + ") names packer." + table.group(1)
                                    + ", owned by " + owner);
                        }
                    }
                }
            }
        }
        assertThat(violations).isEmpty();
        assertThat(owners).as("the check reads the sources").isNotEmpty();
    }

    /** Rooms stay small: no class over 400 lines but the pickle interpreter and the demo's record writer. */
    @Test
    void noClassIsLargerThanARoom() throws IOException {
        Set<String> large = Set.of("PickleMachine.java", "ZodbPickler.java");
        List<String> over = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                long lines = Files.readAllLines(file).size();
                if (lines > 400 && !large.contains(file.getFileName().toString())) {
                    over.add(SOURCES.relativize(file) + ": " + lines + " lines");
                }
            }
        }
        assertThat(over).isEmpty();
    }

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
