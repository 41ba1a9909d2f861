package io.github.relstoragepacker.demo;

import static io.github.relstoragepacker.demo.PloneClasses.APPLICATION;
import static io.github.relstoragepacker.demo.PloneClasses.BLOB;
import static io.github.relstoragepacker.demo.PloneClasses.DOCUMENT;
import static io.github.relstoragepacker.demo.PloneClasses.FILE;
import static io.github.relstoragepacker.demo.PloneClasses.MAPPING;
import static io.github.relstoragepacker.demo.PloneClasses.NAMED_BLOB_FILE;

import io.github.relstoragepacker.relstorage.BlobLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Plone's part in the demo: once a period, one commit through RelStorage's own protocol ({@link
 * RelStorageCommitter}) that adds an item to a {@code PersistentMapping} hung from the root ({@code
 * recent_edits}) and drops the oldest once it holds {@value #KEPT}. What is dropped becomes garbage of
 * each kind the collector handles:
 *
 * <ul>
 *   <li>a document: unreferenced, drained once the grace period has passed;
 *   <li>a file: the same, and its {@code NamedBlobFile} and {@code Blob} follow it in later batches,
 *       with the blob's file in the shared blob directory;
 *   <li>a ring of related documents: an unreachable cycle, which only a cycle collection finds.
 * </ul>
 *
 * New objects take their oids from {@code zoid_seq} as RelStorage does, so they never collide with
 * the generated ones. Every commit only touches the mapping, new objects and, once, the root.
 */
final class DemoWriter implements AutoCloseable {

    private static final int KEPT = 10;
    private static final int RING = 3;
    private static final long APP_OID = 1;
    private static final Logger log = LoggerFactory.getLogger(DemoWriter.class);

    private final Connection oids;
    private final RelStorageCommitter committer;
    private final Path blobDirectory;
    private final ZodbPickler pickler = new ZodbPickler();
    private final Deque<Item> recent = new ArrayDeque<>();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "demo-writer");
        t.setDaemon(true);
        return t;
    });
    private final long mapping;
    private long commits;
    private boolean failing;

    private DemoWriter(String url, Properties credentials, Path blobDirectory) throws SQLException {
        this.oids = DriverManager.getConnection(url, credentials);
        this.committer = new RelStorageCommitter(DriverManager.getConnection(url, credentials));
        this.blobDirectory = blobDirectory;
        this.mapping = nextOids();
    }

    /** Hangs {@code recent_edits} from the root of the database at {@code url}, then commits every {@code period}. */
    static DemoWriter start(String url, Properties credentials, Path blobDirectory, Duration period)
            throws SQLException {
        DemoWriter writer = new DemoWriter(url, credentials, blobDirectory);
        try {
            writer.committer.commit(Map.of(0L, writer.root(), writer.mapping, writer.mappingState()));
        } catch (SQLException e) {
            writer.close();
            throw e;
        }
        writer.thread.scheduleWithFixedDelay(writer::commitLogged, 0, period.toMillis(), TimeUnit.MILLISECONDS);
        return writer;
    }

    @Override
    public void close() throws SQLException {
        thread.shutdownNow();
        try {
            thread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (oids) {
            committer.close();
        }
    }

    private void commitLogged() {
        try {
            commit();
            failing = false;
        } catch (SQLException | IOException | RuntimeException e) {
            // Once per outage: the database stops before this thread when the demo shuts down.
            if (!failing) {
                log.warn("Demo writer: commit failed, retrying every period: {}", e.getMessage());
            }
            failing = true;
        }
    }

    private void commit() throws SQLException, IOException {
        long base = nextOids();
        Map<Long, byte[]> states = new LinkedHashMap<>();
        long number = ++commits;
        Item item = number % 5 == 0
                ? file(base, number, states)
                : number % 7 == 0 ? ring(base, number, states) : document(base, number, states);
        recent.addLast(item);
        if (recent.size() > KEPT) {
            recent.removeFirst();
        }
        states.put(mapping, mappingState());
        long tid = committer.commit(states);
        if (item.blob() != 0) {
            // RelStorage moves the blob's file into the shared directory once the commit has its tid.
            Path dir = BlobLayout.BUSHY.oidDirectory(blobDirectory, item.blob());
            Files.createDirectories(dir);
            Files.write(
                    dir.resolve(BlobLayout.blobFileName(tid)),
                    ("demo blob " + item.blob()).getBytes(StandardCharsets.US_ASCII));
        }
    }

    private Item document(long oid, long number, Map<Long, byte[]> states) {
        String id = "edit-" + number;
        pickler.beginRecord(DOCUMENT);
        pickler.beginDict(3);
        parent(mapping, MAPPING);
        field("id", id);
        field("text", Words.title(id) + " edited by the demo writer");
        pickler.endDict();
        states.put(oid, record());
        return new Item(id, oid, DOCUMENT, 0);
    }

    private Item file(long oid, long number, Map<Long, byte[]> states) {
        String id = "upload-" + number + ".pdf";
        long namedFile = oid + 1;
        long blob = oid + 2;
        pickler.beginRecord(FILE);
        pickler.beginDict(3);
        parent(mapping, MAPPING);
        field("id", id);
        pickler.string("file");
        pickler.reference(namedFile, NAMED_BLOB_FILE);
        pickler.endItem();
        pickler.endDict();
        states.put(oid, record());
        pickler.beginRecord(NAMED_BLOB_FILE);
        pickler.beginDict(2);
        field("filename", id);
        pickler.string("_blob");
        pickler.reference(blob, BLOB);
        pickler.endItem();
        pickler.endDict();
        states.put(namedFile, record());
        pickler.beginRecord(BLOB);
        pickler.none();
        states.put(blob, record());
        return new Item(id, oid, FILE, blob);
    }

    /** Documents related in a ring, each also pointing back at the previous one as its parent. */
    private Item ring(long first, long number, Map<Long, byte[]> states) {
        for (int i = 0; i < RING; i++) {
            pickler.beginRecord(DOCUMENT);
            pickler.beginDict(3);
            parent(first + (i + RING - 1) % RING, DOCUMENT);
            field("id", "related-" + number + "-" + i);
            pickler.string("relatedItems");
            pickler.beginList(1);
            pickler.reference(first + (i + 1) % RING, DOCUMENT);
            pickler.endItem();
            pickler.endList();
            pickler.endItem();
            pickler.endDict();
            states.put(first + i, record());
        }
        return new Item("related-" + number, first, DOCUMENT, 0);
    }

    /** The root as the generator wrote it, plus {@code recent_edits}. */
    private byte[] root() {
        pickler.beginRecord(MAPPING);
        pickler.beginDict(1);
        pickler.string("data");
        pickler.beginDict(2);
        pickler.string("Application");
        pickler.reference(APP_OID, APPLICATION);
        pickler.endItem();
        pickler.string("recent_edits");
        pickler.reference(mapping, MAPPING);
        pickler.endItem();
        pickler.endDict();
        pickler.endItem();
        pickler.endDict();
        return record();
    }

    private byte[] mappingState() {
        pickler.beginRecord(MAPPING);
        pickler.beginDict(1);
        pickler.string("data");
        pickler.beginDict(recent.size());
        for (Item item : recent) {
            pickler.string(item.id());
            pickler.reference(item.oid(), item.className());
            pickler.endItem();
        }
        pickler.endDict();
        pickler.endItem();
        pickler.endDict();
        return record();
    }

    private void parent(long oid, String className) {
        pickler.string("__parent__");
        pickler.reference(oid, className);
        pickler.endItem();
    }

    private void field(String name, String value) {
        pickler.string(name);
        pickler.string(value);
        pickler.endItem();
    }

    private byte[] record() {
        pickler.endRecord();
        return pickler.toByteArray();
    }

    /** The first of 16 fresh oids: each value of {@code zoid_seq} hands out 16, as RelStorage allocates them. */
    private long nextOids() throws SQLException {
        try (Statement st = oids.createStatement();
                ResultSet rs = st.executeQuery("SELECT nextval('zoid_seq')")) {
            rs.next();
            return rs.getLong(1) * 16 - 15;
        }
    }

    /** What {@code recent_edits} references: a document, a file whose blob is {@code blob}, or a ring's first. */
    private record Item(String id, long oid, String className, long blob) {}
}
