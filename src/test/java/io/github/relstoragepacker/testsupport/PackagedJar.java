package io.github.relstoragepacker.testsupport;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The jar {@code mvn package} built, run as a user runs it: {@code java -jar
 * target/relstorage-packer.jar ...} with the test JVM's own java (end-to-end tests run after packaging).
 */
public final class PackagedJar {

    public static final Path JAR = Path.of("target", "relstorage-packer.jar");

    private PackagedJar() {}

    /** {@code java -jar JAR args...}. */
    public static List<String> command(String... args) {
        List<String> command = new ArrayList<>(List.of(java(), "-jar", JAR.toString()));
        command.addAll(List.of(args));
        return command;
    }

    /** {@code java -jar JAR args...}, pointed at {@code db} with the three {@code spring.datasource} arguments. */
    public static List<String> command(TestDatabase db, String... args) {
        List<String> command = command(args);
        command.add("--spring.datasource.url=" + db.jdbcUrl());
        command.add("--spring.datasource.username=" + db.username());
        command.add("--spring.datasource.password=" + db.password());
        return command;
    }

    /** The test JVM's java binary. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
