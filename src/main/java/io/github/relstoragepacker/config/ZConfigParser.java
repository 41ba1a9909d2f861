package io.github.relstoragepacker.config;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Reads a ZConfig document (Plone's {@code zope.conf}, the file given to {@code zodbpack} or
 * {@code zodbconvert}) into its sections, following ZConfig's documented syntax:
 *
 * <ol>
 *   <li>each line is stripped; blank lines and lines whose first character is {@code #} are skipped,
 *       so a {@code #} later in a line is part of the value;
 *   <li>{@code <type [name]>} opens a section, {@code <type [name]/>} is an empty one, {@code </type>}
 *       closes the innermost open section; types and names are case-insensitive;
 *   <li>{@code %define name [value]} defines a substitution (names case-insensitive, never redefined
 *       to another value), {@code %include path} reads another file into the current section (relative
 *       to the including file), {@code %import package} is skipped (it extends ZConfig's schema, which
 *       plays no part here);
 *   <li>any other line is {@code key value}: the key up to the first white space, lower-cased, the
 *       value the rest of the line, in which {@code $name}, {@code ${name}}, {@code $(ENVIRONMENT)}
 *       and {@code $$} are substituted.
 * </ol>
 *
 * Every error names its file and line; no message repeats a value, since values may be passwords.
 */
final class ZConfigParser {

    private static final Pattern NAME = Pattern.compile("[^\\s()]+");
    private static final Pattern SUBSTITUTION_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final int MAX_INCLUDE_DEPTH = 10;
    private static final String SYNTAX = "Correct the line: ZConfig has one \"key value\" per line, sections"
            + " <type name> ... </type>, %define/%include/%import directives, and comments on lines of their"
            + " own starting with #.";

    private final Function<String, @Nullable String> environment;
    private final Map<String, String> defines = new HashMap<>();

    private ZConfigParser(Function<String, @Nullable String> environment) {
        this.environment = environment;
    }

    /**
     * The document in {@code file} as a section of type {@code ""}.
     *
     * @param environment looks up environment variables for {@code $(NAME)}
     * @throws RelStorageConfigException when the file cannot be read or is not valid ZConfig
     */
    static ZConfigSection parse(Path file, Function<String, @Nullable String> environment) {
        ZConfigSection document = new ZConfigSection("", null, file, 0);
        new ZConfigParser(environment).parseFile(file, document, 0);
        return document;
    }

    private void parseFile(Path file, ZConfigSection into, int depth) {
        List<String> lines = read(file);
        Deque<ZConfigSection> open = new ArrayDeque<>();
        open.push(into);
        for (int i = 0; i < lines.size(); i++) {
            int number = i + 1;
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("</")) {
                close(open, line, file, number);
            } else if (line.startsWith("<")) {
                openSection(open, line, file, number);
            } else if (line.startsWith("%")) {
                directive(open.getFirst(), line.substring(1), file, number, depth);
            } else {
                String[] keyValue = line.split("\\s+", 2);
                if (!NAME.matcher(keyValue[0]).matches()) {
                    throw syntax(file, number, "A key may not contain parentheses.");
                }
                String value = keyValue.length == 2 ? substitute(keyValue[1], file, number) : "";
                open.getFirst()
                        .values()
                        .add(new ZConfigSection.Value(ZConfigSection.lower(keyValue[0]), value, file, number));
            }
        }
        if (open.size() > 1) {
            ZConfigSection unclosed = open.getFirst();
            throw new RelStorageConfigException(
                    file,
                    unclosed.line(),
                    "Section %s is never closed.".formatted(unclosed.describe()),
                    "Add </%s> where the section ends.".formatted(unclosed.type()));
        }
    }

    private static void openSection(Deque<ZConfigSection> open, String line, Path file, int number) {
        if (!line.endsWith(">")) {
            throw syntax(file, number, "A section header must end with >.");
        }
        String header = line.substring(1, line.length() - 1);
        boolean empty = header.endsWith("/");
        String[] parts = (empty ? header.substring(0, header.length() - 1) : header)
                .strip()
                .split("\\s+");
        if (parts.length > 2 || !NAME.matcher(parts[0]).matches()) {
            throw syntax(file, number, "A section header is <type> or <type name>.");
        }
        ZConfigSection section = new ZConfigSection(
                ZConfigSection.lower(parts[0]),
                parts.length == 2 ? ZConfigSection.lower(parts[1]) : null,
                file,
                number);
        open.getFirst().children().add(section);
        if (!empty) {
            open.push(section);
        }
    }

    private static void close(Deque<ZConfigSection> open, String line, Path file, int number) {
        if (!line.endsWith(">")) {
            throw syntax(file, number, "A section end must end with >.");
        }
        String type = ZConfigSection.lower(line.substring(2, line.length() - 1).strip());
        if (open.size() == 1) {
            throw syntax(file, number, "</%s> closes a section that is not open.".formatted(type));
        }
        ZConfigSection innermost = open.getFirst();
        if (!innermost.type().equals(type)) {
            throw syntax(
                    file,
                    number,
                    "</%s> does not match the open section %s; close that one first."
                            .formatted(type, innermost.describe()));
        }
        open.pop();
    }

    private void directive(ZConfigSection section, String line, Path file, int number, int depth) {
        String[] parts = line.split("\\s+", 2);
        String name = ZConfigSection.lower(parts[0]);
        String argument = parts.length == 2 ? parts[1].strip() : "";
        if (!List.of("define", "include", "import").contains(name)) {
            throw syntax(
                    file,
                    number,
                    "Unknown directive %%%s (ZConfig knows %%define, %%include, %%import).".formatted(parts[0]));
        }
        if (argument.isEmpty()) {
            throw syntax(file, number, "%%%s needs an argument.".formatted(name));
        }
        switch (name) {
            case "define" -> define(argument, file, number);
            case "include" -> include(section, substitute(argument, file, number), file, number, depth);
            default -> {
                // %import adds section types to ZConfig's schema; the sections are read here as written.
            }
        }
    }

    private void define(String argument, Path file, int number) {
        String[] parts = argument.split("\\s+", 2);
        String name = ZConfigSection.lower(parts[0]);
        if (!SUBSTITUTION_NAME.matcher(name).matches()) {
            throw syntax(
                    file,
                    number,
                    "%%define %s: a name is letters, digits and underscores, not starting with a digit."
                            .formatted(parts[0]));
        }
        String value = parts.length == 2 ? substitute(parts[1], file, number) : "";
        String previous = defines.putIfAbsent(name, value);
        if (previous != null && !previous.equals(value)) {
            throw syntax(file, number, "%%define %s redefines %s with another value.".formatted(name, name));
        }
    }

    private void include(ZConfigSection section, String target, Path file, int number, int depth) {
        if (target.contains("://") && !target.startsWith("file://")) {
            throw new RelStorageConfigException(
                    file,
                    number,
                    "%include names a URL; only local files can be included here.",
                    "Copy the included file next to this one and include it by path.");
        }
        if (depth >= MAX_INCLUDE_DEPTH) {
            throw new RelStorageConfigException(
                    file,
                    number,
                    "%%include nests more than %d files deep.".formatted(MAX_INCLUDE_DEPTH),
                    "Check that no file includes itself, directly or through others.");
        }
        Path included = target.startsWith("file://") ? Path.of(URI.create(target)) : Path.of(target);
        Path parent = file.toAbsolutePath().getParent();
        if (!included.isAbsolute() && parent != null) {
            included = parent.resolve(included);
        }
        if (!Files.exists(included)) {
            throw new RelStorageConfigException(
                    file,
                    number,
                    "%%include names %s, which does not exist.".formatted(included),
                    "Mount or copy the included file there, or give its path relative to this file.");
        }
        parseFile(included, section, depth + 1);
    }

    /** Does ZConfig's substitutions; messages name the substitution, never the value around it. */
    private String substitute(String text, Path file, int number) {
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '$') {
                out.append(c);
                i++;
                continue;
            }
            char next = i + 1 < text.length() ? text.charAt(i + 1) : ' ';
            if (next == '$') {
                out.append('$');
                i += 2;
            } else if (next == '{' || next == '(') {
                int end = text.indexOf(next == '{' ? '}' : ')', i + 2);
                if (end < 0) {
                    throw syntax(file, number, "$%c is not closed by %c.".formatted(next, next == '{' ? '}' : ')'));
                }
                String name = text.substring(i + 2, end);
                out.append(next == '{' ? defined(name, file, number) : environment(name, file, number));
                i = end + 1;
            } else if (Character.isLetter(next) || next == '_') {
                int end = i + 1;
                while (end < text.length()
                        && (Character.isLetterOrDigit(text.charAt(end)) || text.charAt(end) == '_')) {
                    end++;
                }
                out.append(defined(text.substring(i + 1, end), file, number));
                i = end;
            } else {
                throw syntax(
                        file,
                        number,
                        "A $ must be followed by a name, {name}, (ENVIRONMENT_VARIABLE) or another $;"
                                + " write $$ for a literal $ (for instance in a password).");
            }
        }
        return out.toString();
    }

    private String defined(String name, Path file, int number) {
        String value = SUBSTITUTION_NAME.matcher(name).matches() ? defines.get(ZConfigSection.lower(name)) : null;
        if (value == null) {
            throw syntax(
                    file,
                    number,
                    "$%s is not defined; a %%define %s ... line must come before its use (write $$ for a literal $)."
                            .formatted(name, name));
        }
        return value;
    }

    private String environment(String name, Path file, int number) {
        String value = SUBSTITUTION_NAME.matcher(name).matches() ? environment.apply(name) : null;
        if (value == null) {
            throw new RelStorageConfigException(
                    file,
                    number,
                    "$(%s) names an environment variable that is not set.".formatted(name),
                    "Set %s in the service's environment, or write the value into the file.".formatted(name));
        }
        return value;
    }

    private static List<String> read(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new RelStorageConfigException(
                    file,
                    0,
                    "The file does not exist.",
                    "Set %s to the path of the ZConfig file zodbpack uses, as mounted for this service, or unset"
                                    .formatted(RelStorageConfigProperties.FILE)
                            + " it and set spring.datasource.url, username and password instead.",
                    e);
        } catch (AccessDeniedException e) {
            throw new RelStorageConfigException(
                    file,
                    0,
                    "The file cannot be read: permission denied.",
                    "Make it readable by the user the service runs as (uid 10001 in the container image).",
                    e);
        } catch (CharacterCodingException e) {
            throw new RelStorageConfigException(
                    file, 0, "The file is not UTF-8 text.", "Save it as UTF-8 (ASCII is UTF-8).", e);
        } catch (IOException e) {
            throw new RelStorageConfigException(
                    file,
                    0,
                    "The file cannot be read: " + e + ".",
                    "Check that the path names a readable regular file.",
                    e);
        }
    }

    private static RelStorageConfigException syntax(Path file, int number, String problem) {
        return new RelStorageConfigException(file, number, problem, SYNTAX);
    }
}
