package io.github.relstoragepacker.relstorage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.relstoragepacker.relstorage.RelStorageDatabase.Kind;
import io.github.relstoragepacker.testsupport.RelStorageSchema;
import io.github.relstoragepacker.testsupport.TestDatabase;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The probe against every RelStorage schema generation, a history-preserving one and foreign databases. */
class DatabaseProbeTest {

    @ParameterizedTest
    @EnumSource(
            value = RelStorageSchema.class,
            names = {"HISTORY_FREE_TABLE_LOCK", "HISTORY_FREE_ROW_LOCK", "HISTORY_FREE_ADVISORY_LOCK"})
    void recognisesEachHistoryFreeGeneration(RelStorageSchema schema) throws Exception {
        try (TestDatabase db = TestDatabase.open("probe")) {
            db.install(schema);

            RelStorageDatabase found = new DatabaseProbe(db.dataSource()).probe();

            assertThat(found.kind()).isEqualTo(Kind.HISTORY_FREE);
            assertThat(found.generation()).isEqualTo(schema.generation());
            assertThat(found.schema()).isEqualTo("public");
            assertThat(found.blobsInDatabase()).isFalse();
            assertThat(found.collectProblems()).isEmpty();
            found.requireCollectable();
        }
    }

    @Test
    void refusesHistoryPreservingDatabases() throws Exception {
        try (TestDatabase db = TestDatabase.open("probe")) {
            db.install(RelStorageSchema.HISTORY_PRESERVING);

            RelStorageDatabase found = new DatabaseProbe(db.dataSource()).probe();

            assertThat(found.kind()).isEqualTo(Kind.HISTORY_PRESERVING);
            assertThat(found.readable()).isFalse();
            assertThatThrownBy(found::requireCollectable)
                    .isInstanceOf(UnsupportedDatabaseException.class)
                    .hasMessageContaining("history-preserving")
                    .hasMessageContaining("keep-history false")
                    .hasMessageContaining("zodbpack");
        }
    }

    @Test
    void refusesDatabasesThatAreNotRelStorage() throws Exception {
        try (TestDatabase db = TestDatabase.open("probe")) {
            RelStorageDatabase empty = new DatabaseProbe(db.dataSource()).probe();
            db.execute("CREATE TABLE object_state (id int)");
            RelStorageDatabase lookalike = new DatabaseProbe(db.dataSource()).probe();

            for (RelStorageDatabase found : new RelStorageDatabase[] {empty, lookalike}) {
                assertThat(found.kind()).isEqualTo(Kind.NOT_RELSTORAGE);
                assertThatThrownBy(found::requireCollectable)
                        .hasMessageContaining("is not a RelStorage database")
                        .hasMessageContaining(db.name())
                        .hasMessageContaining("spring.datasource.url");
            }
        }
    }

    @Test
    void anUpgradedDatabaseIsJudgedByItsFunctionsNotItsOldCommitLockTable() throws Exception {
        try (TestDatabase db = TestDatabase.open("probe")) {
            db.install(RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK);
            db.execute("CREATE TABLE commit_lock ()");

            assertThat(new DatabaseProbe(db.dataSource()).probe().generation()).isEqualTo(LockGeneration.ADVISORY_LOCK);
        }
    }

    @Test
    void refusesAnUnknownCommitLock() throws Exception {
        try (TestDatabase db = TestDatabase.open("probe")) {
            db.install(RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK);
            db.execute(
                    "CREATE OR REPLACE FUNCTION lock_and_choose_tid() RETURNS bigint LANGUAGE sql AS 'SELECT 1::bigint'");

            RelStorageDatabase found = new DatabaseProbe(db.dataSource()).probe();

            assertThat(found.generation()).isNull();
            assertThatThrownBy(found::requireCollectable).hasMessageContaining("commit lock is not one");
        }
    }

    @Test
    void tellsWhetherBlobsAreInTheDatabaseAndIndexed() throws Exception {
        try (TestDatabase db = TestDatabase.open("probe")) {
            db.install(RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK);
            db.execute("INSERT INTO object_state VALUES (1, 1, 0, NULL);"
                    + " INSERT INTO blob_chunk VALUES (1, 0, 1, lo_from_bytea(0, 'blob'))");
            RelStorageDatabase unindexed = new DatabaseProbe(db.dataSource()).probe();
            db.execute("CREATE INDEX blob_chunk_chunk ON blob_chunk (chunk)");
            RelStorageDatabase indexed = new DatabaseProbe(db.dataSource()).probe();

            assertThat(unindexed.blobsInDatabase()).isTrue();
            assertThat(unindexed.blobChunkIndexed()).isFalse();
            assertThat(unindexed.summary()).contains("blob_chunk(chunk) not indexed");
            assertThat(indexed.blobChunkIndexed()).isTrue();
        }
    }

    @Test
    void namesTheGrantsAReadOnlyRoleLacks() throws Exception {
        String role =
                "packer_probe_" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 20);
        try (TestDatabase db = TestDatabase.open("probe")) {
            db.install(RelStorageSchema.HISTORY_FREE_ADVISORY_LOCK);
            db.execute("INSERT INTO object_state VALUES (1, 1, 0, NULL);"
                    + " INSERT INTO blob_chunk VALUES (1, 0, 1, lo_from_bytea(0, 'blob'));"
                    + " CREATE ROLE " + role + " LOGIN PASSWORD 'secret';"
                    + " GRANT SELECT ON object_state, blob_chunk TO " + role);
            try {
                RelStorageDatabase found = new DatabaseProbe(db.dataSourceAs(role, "secret")).probe();

                assertThat(found.readable()).isTrue();
                assertThat(found.privileges().deleteState()).isFalse();
                assertThat(found.privileges().mayUnlinkLargeObjects()).isFalse();
                assertThat(found.collectProblems())
                        .anySatisfy(p -> assertThat(p).contains("GRANT DELETE ON public.object_state TO " + role))
                        .anySatisfy(p -> assertThat(p).contains("may not unlink 1 of the database's large objects"))
                        .anySatisfy(p ->
                                assertThat(p).contains("GRANT SELECT, UPDATE ON public.commit_row_lock TO " + role));
                assertThatThrownBy(found::requireCollectable).hasMessageStartingWith("Refusing to collect garbage");
            } finally {
                db.execute("DROP OWNED BY " + role + "; DROP ROLE " + role);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = RelStorageSchema.class,
            names = {"HISTORY_FREE_TABLE_LOCK", "HISTORY_FREE_ROW_LOCK", "HISTORY_FREE_ADVISORY_LOCK"})
    void namesTheGrantsTheCommitLockNeedsInEachGeneration(RelStorageSchema schema) throws Exception {
        String role =
                "packer_probe_" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 20);
        String grants = switch (schema.generation()) {
            case TABLE_LOCK -> "UPDATE ON public.commit_lock";
            case ROW_LOCK -> "SELECT, UPDATE ON public.commit_row_lock; GRANT UPDATE (zoid) ON public.object_state";
            case ADVISORY_LOCK -> "SELECT, UPDATE ON public.commit_row_lock";
        };
        try (TestDatabase db = TestDatabase.open("probe")) {
            db.install(schema);
            db.execute("CREATE ROLE " + role + " LOGIN PASSWORD 'secret';" + " GRANT SELECT, DELETE ON object_state TO "
                    + role);
            try {
                RelStorageDatabase before = new DatabaseProbe(db.dataSourceAs(role, "secret")).probe();
                assertThat(String.join(" ", before.collectProblems()))
                        .contains("may not take a lock RelStorage's commits take")
                        .contains("GRANT " + grants.split(";")[0] + " TO " + role + ";");

                db.execute("GRANT " + grants.replace("; GRANT", " TO " + role + "; GRANT") + " TO " + role);

                RelStorageDatabase after = new DatabaseProbe(db.dataSourceAs(role, "secret")).probe();
                assertThat(after.collectProblems()).isEmpty();
            } finally {
                db.execute("DROP OWNED BY " + role + "; DROP ROLE " + role);
            }
        }
    }
}
