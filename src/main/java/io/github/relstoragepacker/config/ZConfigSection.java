package io.github.relstoragepacker.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * One section of a ZConfig document as written, before any schema gives it meaning; the document
 * itself is the section of type {@code ""}.
 *
 * @param type the section type, lower-cased ({@code relstorage}, {@code postgresql}, {@code zodb_db})
 * @param name the section name, lower-cased, or null when the header has none
 * @param file the file the header is in (files may include others)
 * @param line the header's line
 * @param values the key-value lines directly in this section, in file order
 * @param children the sections directly in this section, in file order
 */
record ZConfigSection(
        String type, @Nullable String name, Path file, int line, List<Value> values, List<ZConfigSection> children) {

    /**
     * One {@code key value} line.
     *
     * @param key the key, lower-cased (ZConfig matches keys case-insensitively)
     * @param value the value with substitutions done
     */
    record Value(String key, String value, Path file, int line) {}

    ZConfigSection(String type, @Nullable String name, Path file, int line) {
        this(type, name, file, line, new ArrayList<>(), new ArrayList<>());
    }

    /**
     * The value of a key that may be given at most once, as RelStorage's schema declares its keys.
     *
     * @throws RelStorageConfigException naming both lines when the key is given twice
     */
    @Nullable
    Value single(String key) {
        Value found = null;
        for (Value value : values) {
            if (value.key().equals(key)) {
                if (found != null) {
                    throw new RelStorageConfigException(
                            value.file(),
                            value.line(),
                            "%s is given twice in %s (first at line %d).".formatted(key, describe(), found.line()),
                            "Keep one of the two lines.");
                }
                found = value;
            }
        }
        return found;
    }

    /** This section and every section nested in it, depth first, each with its enclosing sections. */
    void walk(List<ZConfigSection> enclosing, Consumer<List<ZConfigSection>> visitor) {
        List<ZConfigSection> path = new ArrayList<>(enclosing);
        path.add(this);
        visitor.accept(path);
        for (ZConfigSection child : children) {
            child.walk(path, visitor);
        }
    }

    /** {@code <relstorage main> at line 3 of zodbpack.conf}, as an operator would find it. */
    String describe() {
        return "<%s%s> at line %d of %s".formatted(type, name == null ? "" : " " + name, line, file.getFileName());
    }

    static String lower(String text) {
        return text.toLowerCase(Locale.ROOT);
    }
}
