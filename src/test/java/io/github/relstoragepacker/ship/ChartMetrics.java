package io.github.relstoragepacker.ship;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;

/**
 * Every metric name the chart's Grafana dashboard and its rendered PrometheusRule query, so tests can
 * hold them against the contract's catalogue and against what a running app exports on
 * /actuator/prometheus.
 *
 * <p>Names come from the PromQL itself, not from a list: string literals, label matchers, range
 * selectors, grouping clauses and Grafana variables are removed first; of the identifiers left, those
 * followed by "(" are functions or aggregations and the PromQL keywords are dropped; what remains are
 * series names. A misspelt name therefore shows up as an unknown name instead of being skipped.
 * {@link #family} maps a histogram's _bucket, _count and _sum series to the name Micrometer
 * registers; apply it to both sides of a comparison.
 */
final class ChartMetrics {

    static final Path DASHBOARD = Chart.DIR.resolve("dashboards/relstorage-packer.json");

    private static final Pattern STRINGS = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGES = Pattern.compile("\\[[^]]*]");
    private static final Pattern GROUPING =
            Pattern.compile("\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern OFFSET = Pattern.compile("\\boffset\\s+-?\\S+");
    private static final Pattern VARIABLES = Pattern.compile("\\$\\{[^}]*}|\\$\\w+");
    private static final Pattern TOKENS =
            Pattern.compile("(\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?)|([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");
    private static final Pattern LABEL_VALUES = Pattern.compile("^\\s*label_values\\((.*),\\s*\\w+\\s*\\)\\s*$");
    private static final Set<String> KEYWORDS = Set.of(
            "by",
            "without",
            "on",
            "ignoring",
            "group_left",
            "group_right",
            "bool",
            "and",
            "or",
            "unless",
            "offset",
            "inf",
            "nan",
            "Inf",
            "NaN");
    private static final Pattern HISTOGRAM_SERIES = Pattern.compile("_(?:bucket|count|sum)$");

    private ChartMetrics() {}

    /** Series names queried by the dashboard's panels and template variables. */
    static Set<String> dashboard() {
        try {
            Object json = new Yaml().load(Files.readString(DASHBOARD));
            Set<String> names = new TreeSet<>();
            collect(json, names);
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Series names queried by the alert rules of the chart rendered with every rule switched on. */
    static Set<String> rules() {
        Map<String, Object> rule =
                Chart.render(Map.of("prometheusRule.enabled", true)).one("PrometheusRule");
        Set<String> names = new TreeSet<>();
        for (Object group : Node.list(rule, "spec", "groups")) {
            for (Object r : Node.list(group, "rules")) {
                names.addAll(metricNames((String) Node.at(r, "expr")));
            }
        }
        return names;
    }

    /** The series names one PromQL expression (or Grafana {@code label_values(...)} query) reads. */
    static Set<String> metricNames(String promql) {
        Matcher labelValues = LABEL_VALUES.matcher(promql);
        String expr = labelValues.matches() ? labelValues.group(1) : promql;
        expr = STRINGS.matcher(expr).replaceAll(" ");
        expr = MATCHERS.matcher(expr).replaceAll(" ");
        expr = RANGES.matcher(expr).replaceAll(" ");
        expr = GROUPING.matcher(expr).replaceAll(" ");
        expr = OFFSET.matcher(expr).replaceAll(" ");
        expr = VARIABLES.matcher(expr).replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher token = TOKENS.matcher(expr);
        while (token.find()) {
            String identifier = token.group(2);
            boolean call = token.group(3) != null;
            if (identifier != null && !call && !KEYWORDS.contains(identifier)) {
                names.add(identifier);
            }
        }
        return names;
    }

    /** The metric a series belongs to: a histogram's _bucket, _count and _sum series name the histogram. */
    static String family(String series) {
        return HISTOGRAM_SERIES.matcher(series).replaceFirst("");
    }

    private static void collect(Object node, Set<String> names) {
        if (node instanceof Map<?, ?> map) {
            if (map.get("expr") instanceof String expr) {
                names.addAll(metricNames(expr));
            }
            if ("query".equals(map.get("type")) && map.get("definition") instanceof String query) {
                names.addAll(metricNames(query));
            }
            map.values().forEach(value -> collect(value, names));
        } else if (node instanceof List<?> list) {
            list.forEach(item -> collect(item, names));
        }
    }
}
