package io.github.relstoragepacker.pickle;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.zip.Deflater;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The ZODB records of the test resources: real records written by ZODB 6.3, their Python 2 and zlib variants and malformed ones, each with {@code referencesf}'s answer.
 */
final class ZodbRecordFixtures {

    /** One record; {@code strong} is null when {@code referencesf} rejects it. */
    record Fixture(int line, String name, String source, byte[] bytes, long[] strong, JsonNode json) {
        boolean isError() {
            return strong == null;
        }

        @Override
        public String toString() {
            return "line " + line + " (" + source + "): " + name;
        }
    }

    private static List<Fixture> all;

    private ZodbRecordFixtures() {}

    static synchronized List<Fixture> all() {
        if (all == null) {
            all = load();
        }
        return all;
    }

    static List<Fixture> readable() {
        return all().stream().filter(f -> !f.isError()).toList();
    }

    /** {@code b'.z' + zlib.compress(pickle)}: the zc.zlibstorage form of a record. */
    static byte[] compressed(byte[] pickle) {
        Deflater deflater = new Deflater();
        try {
            deflater.setInput(pickle);
            deflater.finish();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write('.');
            out.write('z');
            byte[] chunk = new byte[8192];
            while (!deflater.finished()) {
                out.write(chunk, 0, deflater.deflate(chunk));
            }
            return out.toByteArray();
        } finally {
            deflater.end();
        }
    }

    private static List<Fixture> load() {
        List<String> tsv = lines("/fixtures/zodb-records.tsv");
        List<String> jsonl = lines("/fixtures/zodb-records.jsonl");
        if (tsv.size() != jsonl.size()) {
            throw new IllegalStateException("zodb-records.tsv and .jsonl disagree in length");
        }
        JsonMapper mapper = JsonMapper.builder().build();
        List<Fixture> fixtures = new ArrayList<>();
        for (int i = 0; i < tsv.size(); i++) {
            String[] cols = tsv.get(i).split("\t", -1);
            JsonNode json = mapper.readTree(jsonl.get(i));
            long[] strong = cols[1].equals("ERROR")
                    ? null
                    : cols[1].isEmpty()
                            ? new long[0]
                            : Arrays.stream(cols[1].split(" "))
                                    .mapToLong(Long::parseUnsignedLong)
                                    .toArray();
            fixtures.add(new Fixture(
                    i + 1,
                    json.get("name").asString(),
                    json.get("source").asString(),
                    HexFormat.of().parseHex(cols[0]),
                    strong,
                    json));
        }
        return fixtures;
    }

    private static List<String> lines(String resource) {
        try (InputStream in = Objects.requireNonNull(
                        ZodbRecordFixtures.class.getResourceAsStream(resource), resource + " is missing");
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            return reader.lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
