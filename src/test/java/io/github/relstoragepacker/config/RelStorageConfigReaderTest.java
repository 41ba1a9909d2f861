package io.github.relstoragepacker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ZConfig files as operators keep them for zodbpack, zodbconvert and Plone, and the errors they can hold. */
class RelStorageConfigReaderTest {

    @TempDir
    Path dir;

    private static final Map<String, String> ENVIRONMENT = Map.of("PGHOST_NAME", "db.example.org");

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    private RelStorageStorage read(Path file) {
        return read(file, null);
    }

    private RelStorageStorage read(Path file, String selection) {
        return RelStorageConfigReader.read(file, selection, ENVIRONMENT::get);
    }

    @Test
    void readsZodbpacksConfiguration() throws IOException {
        Path file = write("zodbpack.conf", """
                <relstorage>
                    pack-gc true
                    keep-history false
                    shared-blob-dir true
                    blob-dir /var/blobs
                    <postgresql>
                        dsn dbname='plone' user='plone' host='db' password='secret'
                    </postgresql>
                </relstorage>
                """);

        RelStorageStorage storage = read(file);

        assertThat(storage.dsn()).isEqualTo("dbname='plone' user='plone' host='db' password='secret'");
        assertThat(storage.dsnLine()).isEqualTo(7);
        assertThat(storage.keepHistory()).isFalse();
        assertThat(storage.sharedBlobDir()).isTrue();
        assertThat(storage.blobDir()).isEqualTo("/var/blobs");
        assertThat(storage.blobDirLine()).isEqualTo(5);
    }

    @Test
    void readsPlonesZopeConfWithDefinesImportsCommentsAndATemporaryDatabase() throws IOException {
        Path file = write("zope.conf", """
                %define INSTANCEHOME /app/instance
                %define PASS s3cr$$et
                %import relstorage
                # The main database: RelStorage on PostgreSQL.
                <zodb_db main>
                    mount-point /
                    cache-size 30000
                    <relstorage>
                        Keep-History FALSE
                        SHARED-BLOB-DIR on
                        blob-dir ${INSTANCEHOME}/var/blobstorage
                        <PostgreSQL>
                            DSN host=$(PGHOST_NAME) dbname=plone user=plone password=$pass # not a comment
                        </PostgreSQL>
                    </relstorage>
                </zodb_db>
                <zodb_db temporary>
                    <temporarystorage>
                      name temporary storage for sessioning
                    </temporarystorage>
                    mount-point /temp_folder
                    container-class Products.TemporaryFolder.TemporaryContainer
                </zodb_db>
                """);

        RelStorageStorage storage = read(file);

        assertThat(storage.dsn())
                .isEqualTo("host=db.example.org dbname=plone user=plone password=s3cr$et # not a comment");
        assertThat(storage.keepHistory()).isFalse();
        assertThat(storage.sharedBlobDir()).isTrue();
        assertThat(storage.blobDir()).isEqualTo("/app/instance/var/blobstorage");
        assertThat(storage.section()).isEqualTo("<relstorage> at line 8 of zope.conf");
    }

    @Test
    void appliesRelStoragesDefaultsForAbsentKeys() throws IOException {
        Path file = write("defaults.conf", """
                <relstorage>
                  blob-dir /var/cache/blobs
                  <postgresql>
                  </postgresql>
                </relstorage>
                """);

        RelStorageStorage storage = read(file);

        assertThat(storage.keepHistory()).isTrue();
        assertThat(storage.keepHistoryGiven()).isFalse();
        assertThat(storage.keepHistoryLine()).isEqualTo(1);
        assertThat(storage.sharedBlobDir()).isFalse();
        assertThat(storage.sharedBlobDirGiven()).isFalse();
        assertThat(storage.dsn()).isEmpty();
        assertThat(storage.dsnLine()).isEqualTo(3);
    }

    @Test
    void includesFilesRelativeToTheIncludingFile() throws IOException {
        Files.createDirectories(dir.resolve("parts"));
        write("parts/storage.conf", """
                <relstorage>
                  keep-history false
                  <postgresql>
                    dsn dbname=$db
                  </postgresql>
                </relstorage>
                """);
        Path file = write("main.conf", """
                %define db plone
                <zodb_db main>
                  %include parts/storage.conf
                </zodb_db>
                """);

        assertThat(read(file).dsn()).isEqualTo("dbname=plone");
    }

    @Test
    void severalStoragesNeedASelectionAndTheRefusalListsThem() throws IOException {
        Path file = write("zodbconvert.conf", """
                <relstorage source>
                  keep-history false
                  <postgresql>
                    dsn dbname=old
                  </postgresql>
                </relstorage>
                <relstorage destination>
                  keep-history false
                  <postgresql>
                    dsn dbname=new
                  </postgresql>
                </relstorage>
                """);

        assertThatThrownBy(() -> read(file))
                .isInstanceOf(RelStorageConfigException.class)
                .hasMessageContaining("\"source\" (<relstorage source> at line 1 of zodbconvert.conf)")
                .hasMessageContaining("\"destination\" (<relstorage destination> at line 7 of zodbconvert.conf)")
                .hasMessageContaining("packer.relstorage-config-storage");
        assertThat(read(file, "Destination").dsn()).isEqualTo("dbname=new");
        assertThatThrownBy(() -> read(file, "main"))
                .isInstanceOf(RelStorageConfigException.class)
                .hasMessageContaining("packer.relstorage-config-storage=main names none of the file's RelStorage"
                        + " storages: \"source\"");
    }

    @Test
    void storagesAreNamedAfterTheirEnclosingDatabase() throws IOException {
        Path file = write("zope.conf", """
                <zodb_db main>
                  <relstorage>
                    <postgresql>
                      dsn dbname=main
                    </postgresql>
                  </relstorage>
                </zodb_db>
                <zodb_db catalog>
                  <relstorage>
                    <postgresql>
                      dsn dbname=catalog
                    </postgresql>
                  </relstorage>
                </zodb_db>
                """);

        assertThat(read(file, "catalog").dsn()).isEqualTo("dbname=catalog");
    }

    @Test
    void refusesOtherDatabases() throws IOException {
        Path file = write("mysql.conf", """
                <relstorage>
                  <mysql>
                    db plone
                  </mysql>
                </relstorage>
                """);

        assertThatThrownBy(() -> read(file))
                .isInstanceOf(RelStorageConfigException.class)
                .hasMessageContaining("line 2")
                .hasMessageContaining("mysql adapter; relstorage-packer supports PostgreSQL only");
    }

    @Test
    void syntaxErrorsNameTheFileAndLine() throws IOException {
        assertError(
                "<relstorage>\n  <postgresql>\n  </relstorage>\n",
                3,
                "</relstorage> does not match the open section <postgresql>");
        assertError("<relstorage>\n  keep-history false\n", 1, "<relstorage> at line 1 of bad.conf is never closed");
        assertError("</relstorage>\n", 1, "closes a section that is not open");
        assertError("\n<relstorage main extra>\n</relstorage>\n", 2, "A section header is <type> or <type name>");
        assertError("<relstorage\n", 1, "must end with >");
        assertError("%frobnicate x\n", 1, "Unknown directive %frobnicate");
        assertError("\n\n<relstorage>\n dsn password=$secret\n</relstorage>\n", 4, "$secret is not defined");
        assertError("<relstorage>\n dsn password=a$\n</relstorage>\n", 2, "write $$ for a literal $");
        assertError("%define a 1\n%define A 2\n", 2, "redefines a");
        assertError("<relstorage>\n dsn $(NOT_SET_ANYWHERE)\n</relstorage>\n", 2, "NOT_SET_ANYWHERE");
        assertError(
                "<relstorage>\n keep-history maybe\n <postgresql/>\n</relstorage>\n",
                2,
                "keep-history must be a boolean");
        assertError(
                "<relstorage>\n blob-dir /a\n blob-dir /b\n <postgresql/>\n</relstorage>\n",
                3,
                "blob-dir is given twice");
        assertError("%include missing.conf\n", 1, "which does not exist");
    }

    @Test
    void secretsStayOutOfSyntaxErrors() throws IOException {
        Path file = write("secret.conf", "<relstorage>\n dsn password=hunter2$\n</relstorage>\n");

        assertThatThrownBy(() -> read(file)).message().doesNotContain("hunter2");
    }

    @Test
    void aMissingFileAFileWithoutStorageAndAStorageWithoutAdapterAreRefused() throws IOException {
        assertThatThrownBy(() -> read(dir.resolve("absent.conf")))
                .isInstanceOf(RelStorageConfigException.class)
                .hasMessageContaining("packer.relstorage-config=" + dir.resolve("absent.conf"))
                .hasMessageContaining("does not exist");
        Path empty = write("empty.conf", "# nothing\n<filestorage>\n  path /var/Data.fs\n</filestorage>\n");
        assertThatThrownBy(() -> read(empty)).hasMessageContaining("has no <relstorage> section");
        Path adapterless = write("adapterless.conf", "<relstorage/>\n");
        assertThatThrownBy(() -> read(adapterless)).hasMessageContaining("has no <postgresql> section");
    }

    private void assertError(String text, int line, String problem) throws IOException {
        Path file = write("bad.conf", text);
        assertThatThrownBy(() -> read(file)).isInstanceOfSatisfying(RelStorageConfigException.class, e -> {
            assertThat(e.line()).as(problem).isEqualTo(line);
            assertThat(e.problem()).contains(problem);
            assertThat(e.getMessage()).contains("packer.relstorage-config=" + file + ", line " + line);
        });
    }
}
