package io.github.relstoragepacker.pickle;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.relstoragepacker.pickle.ZodbRecordFixtures.Fixture;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The scanner against every fixture record, whose expected answers came from ZODB's own {@code referencesf}. */
class ReferenceScannerFixtureTest {

    private final ReferenceScanner scanner = new ReferenceScanner();

    @Test
    void fixturesCoverEveryGroup() {
        assertThat(ZodbRecordFixtures.all()).hasSize(1075);
        assertThat(ZodbRecordFixtures.all().stream().map(Fixture::source).distinct())
                .containsExactlyInAnyOrder("py3-zodb", "py2-transcoded", "zlib", "handmade", "handmade-error");
        assertThat(ZodbRecordFixtures.all().stream().filter(Fixture::isError)).hasSize(39);
    }

    @Test
    void strongReferencesEqualReferencesfOnEveryRecord() {
        List<String> mismatches = new ArrayList<>();
        for (Fixture f : ZodbRecordFixtures.all()) {
            String actual = scan(f);
            String expected = f.isError() ? "ERROR" : Arrays.toString(f.strong());
            if (!actual.equals(expected) && !(f.isError() && actual.startsWith("ERROR"))) {
                mismatches.add(f + "\n    expected " + expected + "\n    actual   " + actual);
            }
        }
        assertThat(mismatches).as(String.join("\n", mismatches)).isEmpty();
    }

    @Test
    void weakCrossDatabaseAndClassAgreeWithTheFixtures() throws UnreadableRecordException {
        List<String> mismatches = new ArrayList<>();
        for (Fixture f : ZodbRecordFixtures.readable()) {
            References refs = scanner.scan(f.bytes());
            JsonNode json = f.json();
            List<Long> weak = new ArrayList<>(longs(json.get("weak")));
            List<String> crossDatabase = new ArrayList<>();
            for (JsonNode pair : iterable(json.get("weak_xdb"))) {
                crossDatabase.add(
                        "weak " + pair.get(0).asString() + ":" + pair.get(1).asLong());
            }
            for (JsonNode pair : iterable(json.get("xdb"))) {
                crossDatabase.add(pair.get(0).asString() + ":" + pair.get(1).asLong());
            }
            List<String> actualCrossDatabase = refs.crossDatabase().stream()
                    .map(r -> (r.weak() ? "weak " : "") + r.database() + ":" + r.oid())
                    .toList();
            String expectedClass =
                    json.get("class").isNull() ? null : json.get("class").asString();
            if (!Arrays.stream(refs.weak()).boxed().toList().equals(weak)
                    || !sorted(actualCrossDatabase).equals(sorted(crossDatabase))
                    || !java.util.Objects.equals(refs.className(), expectedClass)) {
                mismatches.add("%s: weak %s / %s, xdb %s / %s, class %s / %s"
                        .formatted(
                                f,
                                Arrays.toString(refs.weak()),
                                weak,
                                actualCrossDatabase,
                                crossDatabase,
                                refs.className(),
                                expectedClass));
            }
        }
        assertThat(mismatches).as(String.join("\n", mismatches)).isEmpty();
    }

    private String scan(Fixture f) {
        try {
            return Arrays.toString(scanner.scan(f.bytes()).strong());
        } catch (UnreadableRecordException e) {
            return "ERROR " + e.getMessage();
        }
    }

    private static List<Long> longs(JsonNode array) {
        return StreamSupport.stream(iterable(array).spliterator(), false)
                .map(JsonNode::asLong)
                .toList();
    }

    private static Iterable<JsonNode> iterable(JsonNode array) {
        return array == null || array.isNull() ? List.of() : array::iterator;
    }

    private static List<String> sorted(List<String> values) {
        return values.stream().sorted().toList();
    }
}
