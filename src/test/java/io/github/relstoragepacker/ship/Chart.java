package io.github.relstoragepacker.ship;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.yaml.snakeyaml.Yaml;

/**
 * The Helm chart in {@code helm/relstorage-packer}, linted and rendered by Helm itself (helm-java
 * bundles Helm's library, so no helm binary and no network are needed), the output parsed with
 * SnakeYAML so tests assert on the manifests' structure, not on text.
 */
final class Chart {

    static final Path DIR = Path.of("helm", "relstorage-packer");
    static final String RELEASE = "packer";
    static final String NAMESPACE = "plone";
    static final String FULLNAME = "packer-relstorage-packer";
    /** A current Kubernetes; Helm's own default (1.20) is older than the chart's kubeVersion. */
    static final String KUBE_VERSION = "v1.31.0";

    private Chart() {}

    /** Renders the chart with the chart's defaults overridden by {@code sets} (Helm's --set syntax). */
    static Manifests render(Map<String, ?> sets) {
        return render(null, sets);
    }

    /**
     * Renders the chart with a values file (a test resource under {@code ship/}, or none) and then
     * {@code sets} on top of it.
     */
    static Manifests render(String valuesResource, Map<String, ?> sets) {
        TemplateCommand template = new Helm(DIR)
                .template()
                .withName(RELEASE)
                .withNamespace(NAMESPACE)
                .withKubeVersion(KUBE_VERSION);
        if (valuesResource != null) {
            template = template.withValuesFile(resource(valuesResource));
        }
        for (Map.Entry<String, ?> set : sets.entrySet()) {
            template = template.set(set.getKey(), set.getValue());
        }
        return Manifests.parse(template.call());
    }

    /**
     * Lints the chart in strict mode (warnings fail) with its own values.yaml replaced by the defaults
     * merged with {@code valuesResource}: helm-java's lint takes no values file, so a copy of the chart
     * carries them.
     */
    static LintResult lint(String valuesResource, Path scratch) {
        Path copy = scratch.resolve(DIR.getFileName());
        copyTree(DIR, copy);
        if (valuesResource != null) {
            Yaml yaml = new Yaml();
            Map<String, Object> values = load(yaml, DIR.resolve("values.yaml"));
            merge(values, load(yaml, resource(valuesResource)));
            write(copy.resolve("values.yaml"), yaml.dump(values));
        }
        return new Helm(copy).lint().strict().call();
    }

    static Path resource(String name) {
        return Path.of("src", "test", "resources", "ship", name);
    }

    @SuppressWarnings("unchecked")
    private static void merge(Map<String, Object> into, Map<String, Object> from) {
        from.forEach((key, value) -> {
            if (value instanceof Map<?, ?> map && into.get(key) instanceof Map<?, ?> existing) {
                merge((Map<String, Object>) existing, (Map<String, Object>) map);
            } else {
                into.put(key, value);
            }
        });
    }

    private static Map<String, Object> load(Yaml yaml, Path file) {
        try {
            Map<String, Object> values = yaml.load(Files.readString(file));
            return values == null ? new LinkedHashMap<>() : values;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copyTree(Path from, Path to) {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The documents of one rendering. */
    record Manifests(List<Map<String, Object>> documents) {

        static Manifests parse(String rendered) {
            List<Map<String, Object>> documents = new ArrayList<>();
            for (Object document : new Yaml().loadAll(rendered)) {
                if (document != null) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> map = (Map<String, Object>) document;
                    documents.add(map);
                }
            }
            return new Manifests(List.copyOf(documents));
        }

        List<String> kinds() {
            return documents.stream().map(d -> (String) d.get("kind")).sorted().toList();
        }

        List<Map<String, Object>> all(String kind) {
            return documents.stream().filter(d -> kind.equals(d.get("kind"))).toList();
        }

        /** The one document of {@code kind}; fails when there is none or more than one. */
        Map<String, Object> one(String kind) {
            List<Map<String, Object>> found = all(kind);
            if (found.size() != 1) {
                throw new AssertionError("expected one " + kind + ", found " + found.size() + " in " + kinds());
            }
            return found.get(0);
        }

        /** The document of {@code kind} named {@code name}. */
        Map<String, Object> named(String kind, String name) {
            return all(kind).stream()
                    .filter(d -> name.equals(Node.at(d, "metadata", "name")))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no " + kind + " named " + name + " in " + kinds()));
        }
    }
}
