package io.github.relstoragepacker.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Looks a password up in a libpq password file ({@code ~/.pgpass}, {@code PGPASSFILE} or the
 * {@code passfile} keyword), as libpq does when the connection string carries none: each line is
 * {@code host:port:database:user:password}, {@code *} matches anything, a backslash escapes
 * {@code :} and itself, lines starting with {@code #} are comments, and the first matching line wins.
 * Like libpq, a file that its group or others may access is ignored, since its passwords may have
 * leaked.
 */
final class PgPassFile {

    private static final Set<PosixFilePermission> PRIVATE =
            Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);

    private PgPassFile() {}

    /**
     * The password for this connection, or null when the file is absent, not private, or has no
     * matching line.
     *
     * @param notes receives a sentence saying where the password came from
     * @param warnings receives a sentence saying why the file was ignored
     */
    static @Nullable String lookup(
            Path file, String host, int port, String database, String user, List<String> notes, List<String> warnings) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (!PRIVATE.containsAll(permissions)) {
                warnings.add("Password file %s is ignored because its group or others may access it, as libpq would"
                                .formatted(file)
                        + " ignore it; make it private with chmod 0600.");
                return null;
            }
        } catch (UnsupportedOperationException e) {
            // No POSIX permissions on this file system: nothing to check, as libpq on Windows.
        } catch (IOException e) {
            warnings.add("Password file %s cannot be read (%s) and is ignored.".formatted(file, e.getMessage()));
            return null;
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            warnings.add("Password file %s cannot be read (%s) and is ignored.".formatted(file, e.getMessage()));
            return null;
        }
        String[] wanted = {host, String.valueOf(port), database, user};
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.startsWith("#")) {
                continue;
            }
            List<String> fields = fields(line);
            if (fields.size() == 5 && matches(fields, wanted)) {
                notes.add("The password of user %s comes from %s, line %d.".formatted(user, file, i + 1));
                return fields.get(4);
            }
        }
        return null;
    }

    private static boolean matches(List<String> fields, String[] wanted) {
        for (int i = 0; i < wanted.length; i++) {
            if (!fields.get(i).equals("*") && !fields.get(i).equals(wanted[i])) {
                return false;
            }
        }
        return true;
    }

    /** The line's fields, unescaped; the fifth (the password) takes the rest of the line, colons included. */
    private static List<String> fields(String line) {
        List<String> fields = new ArrayList<>(5);
        StringBuilder field = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                field.append(line.charAt(++i));
            } else if (c == ':' && fields.size() < 4) {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        fields.add(field.toString());
        return fields;
    }
}
