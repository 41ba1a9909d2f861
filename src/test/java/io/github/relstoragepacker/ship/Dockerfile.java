package io.github.relstoragepacker.ship;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;

/**
 * The project's Dockerfile as instructions grouped by build stage: comments and parser directives
 * dropped, continuation lines joined. Enough of Docker's grammar to check what the image will do
 * without a Docker engine.
 */
record Dockerfile(List<Stage> stages) {

    static final Path PATH = Path.of("Dockerfile");

    record Instruction(String keyword, String arguments) {}

    /** One FROM and the instructions up to the next. */
    record Stage(String image, String name, List<Instruction> instructions) {

        List<String> arguments(String keyword) {
            return instructions.stream()
                    .filter(i -> i.keyword().equals(keyword))
                    .map(Instruction::arguments)
                    .toList();
        }

        /** The arguments of the last {@code keyword} instruction: the one in force. */
        String last(String keyword) {
            List<String> all = arguments(keyword);
            if (all.isEmpty()) {
                throw new AssertionError("stage " + name + " has no " + keyword);
            }
            return all.get(all.size() - 1);
        }

        /** The exec form (JSON array) of the last {@code keyword} instruction. */
        List<String> execForm(String keyword) {
            Object parsed = new Yaml().load(last(keyword));
            if (!(parsed instanceof List<?> list)) {
                throw new AssertionError(keyword + " is not in exec form: " + last(keyword));
            }
            return list.stream().map(String::valueOf).toList();
        }
    }

    private static final Pattern FROM = Pattern.compile("(\\S+)(?:\\s+AS\\s+(\\S+))?", Pattern.CASE_INSENSITIVE);

    static Dockerfile read() {
        try {
            return parse(Files.readString(PATH));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Dockerfile parse(String text) {
        List<Stage> stages = new ArrayList<>();
        StringBuilder pending = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            String trimmed = line.strip();
            if (trimmed.startsWith("#") || (trimmed.isEmpty() && pending.isEmpty())) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                pending.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            pending.append(trimmed);
            add(stages, pending.toString().strip());
            pending.setLength(0);
        }
        return new Dockerfile(List.copyOf(stages));
    }

    private static void add(List<Stage> stages, String instruction) {
        if (instruction.isEmpty()) {
            return;
        }
        String[] parts = instruction.split("\\s+", 2);
        String keyword = parts[0].toUpperCase(Locale.ROOT);
        String arguments = parts.length > 1 ? parts[1].strip() : "";
        if (keyword.equals("FROM")) {
            Matcher from = FROM.matcher(arguments);
            if (!from.matches()) {
                throw new AssertionError("unreadable FROM " + arguments);
            }
            stages.add(new Stage(from.group(1), from.group(2), new ArrayList<>()));
        } else if (stages.isEmpty()) {
            if (!keyword.equals("ARG")) {
                throw new AssertionError(keyword + " before the first FROM");
            }
        } else {
            stages.get(stages.size() - 1).instructions().add(new Instruction(keyword, arguments));
        }
    }

    Stage stage(String name) {
        return stages.stream()
                .filter(s -> name.equals(s.name()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no stage " + name));
    }

    /** The stage that becomes the image. */
    Stage runtime() {
        return stages.get(stages.size() - 1);
    }
}
