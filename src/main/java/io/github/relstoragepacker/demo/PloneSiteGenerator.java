package io.github.relstoragepacker.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;

/**
 * Writes a history-free RelStorage database shaped like a Plone site, of any size, for demos and
 * benchmarks, with a known amount of garbage of every shape a collector must handle.
 *
 * <p>What it writes, in real ZODB protocol-3 records ({@link ZodbPickler}):
 *
 * <ul>
 *   <li>the root {@code PersistentMapping} (zoid 0), the Zope application, the Plone site;
 *   <li>nested folders whose contents are {@code OOBTree}s: small ones inline in one bucket, larger
 *       ones split into {@code OOBucket} records chained by their next-bucket references, the largest
 *       with BTree nodes above the buckets; a {@code BTrees.Length} per folder;
 *   <li>documents, news items and files whose {@code __parent__} points back at their folder, so every
 *       containment edge is also a cycle; files hold a {@code NamedBlobFile} holding a {@code
 *       ZODB.blob.Blob} record, whose data goes to {@code blob_chunk} or a blob directory;
 *   <li>an intid utility whose {@code IOBTree} holds inline key references to every content object;
 *   <li>member data in an {@code OOBTree}, referenced from content only weakly ({@code ['w', (oid,)]}).
 * </ul>
 *
 * <p>And, for the configured share of all objects, garbage: deleted items (pointing back into the live
 * site), buckets left behind by splits (pointing at live items), deleted folders with their contents
 * (cycles through {@code __parent__}, blobs below them), closed rings of 2 to 25 related documents, and
 * deleted members that live documents still reference weakly.
 *
 * <p>Records go straight into {@code object_state} with binary {@code COPY}, not through RelStorage's
 * commit path, into a database whose RelStorage schema exists and whose {@code object_state} is empty.
 * Tids increase in write order, several records per transaction, spread over the three years before
 * the clock's now. Afterwards {@code zoid_seq} is moved past the last oid, so RelStorage would not hand
 * it out again, and the tables are analysed. The writer keeps one bucket per open BTree and the bucket
 * list of each open tree, never one Java object per database object, so ten million objects need little
 * memory. Not atomic: each batch commits on its own, so after a failure drop the database.
 */
public final class PloneSiteGenerator {

    /** The fewest objects a site can be made of: the root, the site, its utilities, a few members. */
    public static final long MIN_OBJECTS = 200;

    private static final Duration HISTORY = Duration.ofDays(3 * 365);
    private static final String SCHEMA_RESOURCE = "/relstorage-schema/hf-advisory.sql";

    private final Clock clock;

    public PloneSiteGenerator() {
        this(Clock.systemUTC());
    }

    /** @param clock the end of the generated history: the newest tid is at most its now */
    public PloneSiteGenerator(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock must not be null");
    }

    /** Where the data of blob records goes. */
    public enum BlobMode {
        /** No blob records at all. */
        NONE,
        /** {@code blob_chunk} rows with one large object each ({@code shared-blob-dir false}). */
        DATABASE,
        /** Files in a bushy blob directory ({@code shared-blob-dir true}). */
        DIRECTORY
    }

    /** Which shapes the garbage takes. */
    public enum GarbageShape {
        /** Deleted items, stale buckets, deleted folders, rings, deleted members: a site's mix. */
        MIXED,
        /** Deleted items only: each an orphan pointing back into the live site. */
        FLAT,
        /** Version histories below deleted documents: chains of {@code unit} entries, each the previous one's referrer. */
        CHAINS,
        /** Deleted folders of {@code unit} items each: cycles through {@code __parent__}, BTrees and all. */
        FOLDERS
    }

    /**
     * What to generate.
     *
     * @param objects how many objects (rows of {@code object_state}), at least {@value #MIN_OBJECTS}
     * @param garbageShare the share of those that is garbage, 0 to 0.9
     * @param blobEvery one content item in this many is a file with a blob; 0 for none
     * @param blobs where blob data goes; {@link BlobMode#NONE} exactly when {@code blobEvery} is 0
     * @param blobDirectory the blob directory, empty or missing, for {@link BlobMode#DIRECTORY} only
     * @param seed the same seed gives the same objects and references (tids follow the clock)
     * @param shape the shapes of the garbage
     * @param unit for {@link GarbageShape#CHAINS} and {@link GarbageShape#FOLDERS}, the objects or items of
     *     one piece of garbage (at most what is left to write)
     */
    public record Options(
            long objects,
            double garbageShare,
            int blobEvery,
            BlobMode blobs,
            @Nullable Path blobDirectory,
            long seed,
            GarbageShape shape,
            int unit) {

        /** A site's mix of garbage. */
        public Options(
                long objects,
                double garbageShare,
                int blobEvery,
                BlobMode blobs,
                @Nullable Path blobDirectory,
                long seed) {
            this(objects, garbageShare, blobEvery, blobs, blobDirectory, seed, GarbageShape.MIXED, 0);
        }

        public Options {
            Objects.requireNonNull(blobs, "blobs must not be null");
            if (objects < MIN_OBJECTS) {
                throw new IllegalArgumentException("objects must be at least " + MIN_OBJECTS + ": " + objects);
            }
            if (!(garbageShare >= 0 && garbageShare <= 0.9)) {
                throw new IllegalArgumentException("garbageShare must be between 0 and 0.9: " + garbageShare);
            }
            if (blobEvery < 0) {
                throw new IllegalArgumentException("blobEvery must not be negative: " + blobEvery);
            }
            if ((blobEvery == 0) != (blobs == BlobMode.NONE)) {
                throw new IllegalArgumentException(
                        "blobEvery must be 0 exactly when blobs is NONE: " + blobEvery + ", " + blobs);
            }
            if ((blobDirectory != null) != (blobs == BlobMode.DIRECTORY)) {
                throw new IllegalArgumentException("blobDirectory must be given exactly for blobs DIRECTORY");
            }
            Objects.requireNonNull(shape, "shape must not be null");
            if ((shape == GarbageShape.CHAINS || shape == GarbageShape.FOLDERS) && unit < 1) {
                throw new IllegalArgumentException("unit must be positive for garbage of shape " + shape + ": " + unit);
            }
        }

        /** {@code objects} objects, no blobs, {@code garbageShare} garbage. */
        public static Options withoutBlobs(long objects, double garbageShare, long seed) {
            return new Options(objects, garbageShare, 0, BlobMode.NONE, null, seed);
        }
    }

    /**
     * What was written.
     *
     * @param objects rows written to {@code object_state}
     * @param reachable objects reachable from zoid 0 through strong references
     * @param garbage the others: {@code objects - reachable}
     * @param blobs blob records, each with its data stored as the options asked
     * @param bytes the total size of the records ({@code SUM(state_size)}), blob data not included
     */
    public record Result(long objects, long reachable, long garbage, long blobs, long bytes) {}

    /** Generates into the database of {@code connection}; see {@link #generate(Connection, Options, LongConsumer)}. */
    public Result generate(Connection connection, Options options) throws SQLException, IOException {
        return generate(connection, options, zoid -> {});
    }

    /**
     * Generates into the database of {@code connection}, which must have RelStorage's history-free
     * schema and an empty {@code object_state}. Runs in autocommit mode (restored afterwards), one
     * transaction per batch.
     *
     * @param garbage receives every garbage zoid, in increasing order, as it is written
     * @throws IllegalStateException if {@code object_state} is not empty
     * @throws IllegalArgumentException if the blob directory exists and is not empty
     */
    public Result generate(Connection connection, Options options, LongConsumer garbage)
            throws SQLException, IOException {
        Objects.requireNonNull(connection, "connection must not be null");
        Objects.requireNonNull(options, "options must not be null");
        Objects.requireNonNull(garbage, "garbage must not be null");
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(true);
        try (Statement st = connection.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT EXISTS (SELECT 1 FROM object_state)")) {
                rs.next();
                if (rs.getBoolean(1)) {
                    throw new IllegalStateException("object_state is not empty; generate into a fresh database");
                }
            }
            // Nothing here needs to survive a crash: a failed run is thrown away anyway.
            st.execute("SET synchronous_commit = off");
            try {
                RecordSink sink = write(connection, options, garbage);
                st.execute("SELECT setval('zoid_seq', " + ((options.objects() - 1) / 16 + 1) + ")");
                st.execute("ANALYZE object_state");
                st.execute("ANALYZE blob_chunk");
                return new Result(sink.allocated(), sink.reachable(), sink.garbage(), sink.blobs(), sink.bytes());
            } finally {
                st.execute("RESET synchronous_commit");
            }
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    private RecordSink write(Connection connection, Options options, LongConsumer garbage)
            throws SQLException, IOException {
        SplittableRandom random = new SplittableRandom(options.seed());
        try (ObjectStateCopy copy = new ObjectStateCopy(connection)) {
            BlobWriter blobs = new BlobWriter(options.blobs(), connection, options.blobDirectory(), random.nextLong());
            Transactions transactions = new Transactions(clock.instant(), HISTORY, options.objects(), random.split());
            RecordSink sink = new RecordSink(copy, blobs, transactions, garbage);
            new SiteWriter(sink, random, options).write();
            return sink;
        }
    }

    /**
     * Creates RelStorage 3.5.0a4 – 4.2's history-free schema (advisory-lock generation, exactly as
     * RelStorage 4.2 creates it) in the database of {@code connection}, which must not have one yet.
     */
    public static void installSchema(Connection connection) throws SQLException, IOException {
        String ddl;
        try (InputStream in = Objects.requireNonNull(
                PloneSiteGenerator.class.getResourceAsStream(SCHEMA_RESOURCE), SCHEMA_RESOURCE)) {
            ddl = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(true);
        try (Statement st = connection.createStatement()) {
            st.execute(ddl);
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    /** The usage line of {@code generate}. */
    public static String usage() {
        return GenerateCommand.USAGE_TEXT;
    }

    /**
     * {@code generate --objects=N [...] --url=JDBC_URL}: the command line; prints a one-line summary.
     *
     * @return 0 when done, 1 when generation failed, 2 on a usage error
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return new GenerateCommand(out, err, Clock.systemUTC()).run(args);
    }
}
