package io.github.relstoragepacker.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Finds the RelStorage storage in a ZConfig file and reads the keys RelStorage's component.xml gives
 * it. A file may hold several storages ({@code zodbconvert}'s {@code <relstorage source>} and
 * {@code <relstorage destination>}, or several {@code <zodb_db>} databases in {@code zope.conf});
 * then the operator must name one, because picking one for them could collect the wrong database.
 * A storage's name is its own section name, else that of the nearest enclosing named section.
 */
final class RelStorageConfigReader {

    private static final List<String> OTHER_ADAPTERS = List.of("mysql", "oracle", "sqlite3");

    private RelStorageConfigReader() {}

    private record Candidate(
            ZConfigSection section, @Nullable String name) {

        String describe() {
            return name == null ? section.describe() : "\"%s\" (%s)".formatted(name, section.describe());
        }
    }

    /**
     * The storage in {@code file}, or the one named {@code selection}.
     *
     * @param environment looks up environment variables for ZConfig's {@code $(NAME)}
     * @throws RelStorageConfigException when the file cannot be read, is not valid ZConfig, has no
     *     PostgreSQL RelStorage storage, or has several and {@code selection} does not pick exactly one
     */
    static RelStorageStorage read(
            Path file, @Nullable String selection, Function<String, @Nullable String> environment) {
        ZConfigSection document = ZConfigParser.parse(file, environment);
        List<Candidate> candidates = new ArrayList<>();
        document.walk(List.of(), path -> {
            ZConfigSection section = path.get(path.size() - 1);
            if (section.type().equals("relstorage")) {
                String name = null;
                for (int i = path.size() - 1; i >= 0 && name == null; i--) {
                    name = path.get(i).name();
                }
                candidates.add(new Candidate(section, name));
            }
        });
        if (candidates.isEmpty()) {
            throw new RelStorageConfigException(
                    file,
                    0,
                    "The file has no <relstorage> section.",
                    "Point %s at the file zodbpack uses (or Plone's zope.conf), the one with <relstorage> and"
                                    .formatted(RelStorageConfigProperties.FILE)
                            + " <postgresql> dsn ... </postgresql>.");
        }
        Candidate chosen = choose(file, candidates, selection);
        return storage(file, chosen.section());
    }

    private static Candidate choose(Path file, List<Candidate> candidates, @Nullable String selection) {
        String names = candidates.stream().map(Candidate::describe).collect(Collectors.joining(", "));
        if (selection == null || selection.isBlank()) {
            if (candidates.size() == 1) {
                return candidates.get(0);
            }
            throw new RelStorageConfigException(
                    file,
                    0,
                    "The file has %d RelStorage storages: %s.".formatted(candidates.size(), names),
                    "Set %s to the name of the one to collect.".formatted(RelStorageConfigProperties.STORAGE));
        }
        String wanted = selection.strip().toLowerCase(Locale.ROOT);
        List<Candidate> matching = candidates.stream()
                .filter(candidate -> wanted.equals(candidate.name()))
                .toList();
        if (matching.size() != 1) {
            throw new RelStorageConfigException(
                    file,
                    0,
                    "%s=%s names %s of the file's RelStorage storages: %s."
                            .formatted(
                                    RelStorageConfigProperties.STORAGE,
                                    selection,
                                    matching.isEmpty() ? "none" : "more than one",
                                    names),
                    matching.isEmpty()
                            ? "Set it to one of those names."
                            : "Give the storages distinct names in the file.");
        }
        return matching.get(0);
    }

    private static RelStorageStorage storage(Path file, ZConfigSection relstorage) {
        ZConfigSection postgresql = null;
        for (ZConfigSection adapter : relstorage.children()) {
            if (OTHER_ADAPTERS.contains(adapter.type())) {
                throw new RelStorageConfigException(
                        adapter.file(),
                        adapter.line(),
                        "The storage %s uses RelStorage's %s adapter; relstorage-packer supports PostgreSQL only."
                                .formatted(relstorage.describe(), adapter.type()),
                        "Point %s at the configuration of a PostgreSQL RelStorage storage."
                                .formatted(RelStorageConfigProperties.FILE));
            }
            if (adapter.type().equals("postgresql")) {
                postgresql = adapter;
            }
        }
        if (postgresql == null) {
            throw new RelStorageConfigException(
                    relstorage.file(),
                    relstorage.line(),
                    "The storage %s has no <postgresql> section.".formatted(relstorage.describe()),
                    "Add <postgresql> dsn ... </postgresql> to it, as RelStorage itself requires an adapter section.");
        }
        ZConfigSection.Value dsn = postgresql.single("dsn");
        ZConfigSection.Value keepHistory = relstorage.single("keep-history");
        ZConfigSection.Value sharedBlobDir = relstorage.single("shared-blob-dir");
        ZConfigSection.Value blobDir = relstorage.single("blob-dir");
        return new RelStorageStorage(
                file,
                relstorage.describe(),
                dsn == null ? "" : dsn.value(),
                dsn == null ? postgresql.line() : dsn.line(),
                keepHistory == null || bool(keepHistory),
                keepHistory != null,
                keepHistory == null ? relstorage.line() : keepHistory.line(),
                blobDir == null || blobDir.value().isEmpty() ? null : blobDir.value(),
                blobDir == null ? 0 : blobDir.line(),
                sharedBlobDir != null && bool(sharedBlobDir),
                sharedBlobDir != null);
    }

    /** ZConfig's boolean datatype. */
    private static boolean bool(ZConfigSection.Value value) {
        return switch (value.value().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default ->
                throw new RelStorageConfigException(
                        value.file(),
                        value.line(),
                        "%s must be a boolean, not \"%s\".".formatted(value.key(), value.value()),
                        "Write true or false (ZConfig also accepts yes/no and on/off).");
        };
    }
}
