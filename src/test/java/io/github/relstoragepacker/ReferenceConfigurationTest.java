package io.github.relstoragepacker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.json.JsonParserFactory;

/**
 * The top-level {@code application.yml} is the operator's complete reference: every {@code packer.*}
 * property of the {@code @ConfigurationProperties} records, each under a comment, set to the record's
 * default, or shown commented out ({@code # blob-directory: /var/lib/plone/blobs}) when it has none;
 * and nothing else under {@code packer}. The records are read through the configuration processor's
 * metadata ({@code target/classes/META-INF/spring-configuration-metadata.json}), which also carries
 * each property's {@code @param} description. Every disagreement is reported at once, by property.
 *
 * <p>The file is read line by line, as the reference it is: two-space YAML, one key per line, a
 * commented-out key is {@code # key: example} at the key's indentation.
 */
class ReferenceConfigurationTest {

    private static final Pattern KEY = Pattern.compile("([A-Za-z0-9_.-]+):(?:\\s+(.*))?");
    private static final Pattern COMMENTED_KEY = Pattern.compile("#\\s?([a-z][a-z0-9-]*):(?:\\s+(.*))?");

    @Test
    void applicationYmlDocumentsEveryPropertyWithItsDefault() throws Exception {
        Map<String, Property> records = recordProperties();
        Map<String, Entry> reference = referenceEntries(Files.readAllLines(Path.of("application.yml")));
        List<String> problems = new ArrayList<>();

        for (Property property : records.values()) {
            Entry entry = reference.get(property.name());
            if (property.description().isBlank()) {
                problems.add(property.name() + " has no description: document it with @param in its record's Javadoc");
            }
            if (entry == null) {
                problems.add(property.name() + " is missing from application.yml: add it under a comment, "
                        + (property.defaultValue() == null
                                ? "commented out with an example value (it has no default)"
                                : "set to its default " + property.defaultValue()));
                continue;
            }
            if (!entry.documented()) {
                problems.add(property.name() + " (application.yml line " + entry.line()
                        + ") has no comment directly above it saying what it means");
            }
            if (property.defaultValue() == null && !entry.commentedOut()) {
                problems.add(property.name() + " (application.yml line " + entry.line() + ") has no default in its"
                        + " record, so application.yml must show it commented out, not set it to " + entry.value());
            } else if (property.defaultValue() != null && entry.commentedOut()) {
                problems.add(property.name() + " (application.yml line " + entry.line()
                        + ") is commented out; set it to its default " + property.defaultValue());
            } else if (property.defaultValue() != null
                    && !property.defaultValue().equals(entry.value())) {
                problems.add(property.name() + " (application.yml line " + entry.line() + ") is " + entry.value()
                        + " in application.yml but defaults to " + property.defaultValue() + " in its record");
            }
        }
        reference.forEach((name, entry) -> {
            if (!records.containsKey(name)) {
                problems.add(name + " (application.yml line " + entry.line() + ") is bound by no"
                        + " @ConfigurationProperties record: remove it, or fix its name");
            }
        });

        assertThat(records).as("the configuration processor's metadata").isNotEmpty();
        assertThat(problems)
                .as("application.yml against the @ConfigurationProperties records")
                .isEmpty();
    }

    /** A property as the configuration processor describes it; {@code defaultValue} as written, or null. */
    private record Property(String name, String description, String defaultValue) {}

    /** A {@code packer.*} key in application.yml: its value (an example when commented out), where, and whether a comment explains it. */
    private record Entry(String value, int line, boolean commentedOut, boolean documented) {}

    @SuppressWarnings("unchecked")
    private static Map<String, Property> recordProperties() throws IOException, URISyntaxException {
        Path classes = Path.of(PackerApplication.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        String json = Files.readString(
                classes.resolve("META-INF/spring-configuration-metadata.json"), StandardCharsets.UTF_8);
        Map<String, Property> properties = new TreeMap<>();
        for (Object item :
                (List<Object>) JsonParserFactory.getJsonParser().parseMap(json).get("properties")) {
            Map<String, Object> property = (Map<String, Object>) item;
            String name = (String) property.get("name");
            if (name.startsWith("packer.")) {
                Object defaultValue = property.get("defaultValue");
                properties.put(
                        name,
                        new Property(
                                name,
                                String.valueOf(property.getOrDefault("description", "")),
                                defaultValue == null ? null : String.valueOf(defaultValue)));
            }
        }
        return properties;
    }

    /** The {@code packer.*} leaves of application.yml, set or commented out, by their full name. */
    private static Map<String, Entry> referenceEntries(List<String> lines) {
        Map<String, Entry> entries = new TreeMap<>();
        Deque<String> path = new ArrayDeque<>();
        Deque<Integer> indents = new ArrayDeque<>();
        boolean commentAbove = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String text = line.strip();
            int indent = line.length() - line.stripLeading().length();
            if (text.isEmpty() || text.startsWith("- ")) {
                commentAbove = false;
                continue;
            }
            while (!indents.isEmpty() && indents.peek() >= indent) {
                indents.pop();
                path.pop();
            }
            Matcher commented = COMMENTED_KEY.matcher(text);
            Matcher key = KEY.matcher(text);
            if (commented.matches() && inPacker(path)) {
                entries.put(
                        name(path, commented.group(1)),
                        new Entry(value(commented.group(2)), i + 1, true, commentAbove));
                commentAbove = false;
            } else if (text.startsWith("#")) {
                commentAbove = true;
            } else if (key.matches()) {
                String value = value(key.group(2));
                if (value.isEmpty()) {
                    indents.push(indent);
                    path.push(key.group(1));
                } else if (name(path, key.group(1)).startsWith("packer.")) {
                    entries.put(name(path, key.group(1)), new Entry(value, i + 1, false, commentAbove));
                }
                commentAbove = false;
            }
        }
        return entries;
    }

    private static boolean inPacker(Deque<String> path) {
        return !path.isEmpty() && path.peekLast().equals("packer");
    }

    private static String name(Deque<String> path, String key) {
        List<String> parts = new ArrayList<>(path);
        Collections.reverse(parts);
        parts.add(key);
        return String.join(".", parts);
    }

    /** The scalar without an end-of-line comment or quotes. */
    private static String value(String raw) {
        if (raw == null) {
            return "";
        }
        String value = raw.replaceFirst("\\s+#.*$", "").strip();
        if (value.length() >= 2
                && (value.startsWith("\"") && value.endsWith("\"") || value.startsWith("'") && value.endsWith("'"))) {
            value = value.substring(1, value.length() - 1);
        }
        return value;
    }
}
