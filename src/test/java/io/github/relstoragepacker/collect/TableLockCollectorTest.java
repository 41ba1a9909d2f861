package io.github.relstoragepacker.collect;

import io.github.relstoragepacker.testsupport.RelStorageSchema;
import io.github.relstoragepacker.testsupport.TestDatabase;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The collector's contract on a schema of RelStorage 1.x/2.x (commit_lock table). */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class TableLockCollectorTest extends CollectorContract {

    @RegisterExtension
    static final TestDatabase db = new TestDatabase(RelStorageSchema.HISTORY_FREE_TABLE_LOCK);

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        register(registry, db);
    }

    @Override
    TestDatabase db() {
        return db;
    }

    @Override
    RelStorageSchema schema() {
        return RelStorageSchema.HISTORY_FREE_TABLE_LOCK;
    }
}
