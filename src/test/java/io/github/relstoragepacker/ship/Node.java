package io.github.relstoragepacker.ship;

import java.util.List;
import java.util.Map;

/** Navigation in parsed YAML or JSON: maps by key, lists by index or by their items' "name". */
final class Node {

    private Node() {}

    /**
     * The node at {@code path}: a String step is a map key (or, on a list, the item whose "name" is
     * that string), an Integer step a list index. Fails naming the step that does not exist.
     */
    static Object at(Object node, Object... path) {
        Object current = node;
        StringBuilder walked = new StringBuilder();
        for (Object step : path) {
            walked.append('/').append(step);
            current = step(current, step);
            if (current == null) {
                throw new AssertionError("nothing at " + walked + " in " + node);
            }
        }
        return current;
    }

    /** Like {@link #at}, but null when some step is missing. */
    static Object find(Object node, Object... path) {
        Object current = node;
        for (Object step : path) {
            current = step(current, step);
            if (current == null) {
                return null;
            }
        }
        return current;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object node, Object... path) {
        return (Map<String, Object>) at(node, path);
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object node, Object... path) {
        return (List<Object>) at(node, path);
    }

    private static Object step(Object current, Object step) {
        if (current instanceof Map<?, ?> map && step instanceof String key) {
            return map.get(key);
        }
        if (current instanceof List<?> list && step instanceof Integer index) {
            return index < list.size() ? list.get(index) : null;
        }
        if (current instanceof List<?> list && step instanceof String name) {
            return list.stream()
                    .filter(item -> item instanceof Map<?, ?> m && name.equals(m.get("name")))
                    .findFirst()
                    .orElse(null);
        }
        return null;
    }
}
