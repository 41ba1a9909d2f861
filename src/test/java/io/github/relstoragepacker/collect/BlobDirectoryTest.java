package io.github.relstoragepacker.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Blob files of deleted objects go when they are provably theirs; what may belong to anyone else stays. */
class BlobDirectoryTest {

    @TempDir
    Path root;

    @BeforeEach
    void bushy() throws Exception {
        Files.writeString(root.resolve(".layout"), "bushy");
    }

    @Test
    void bushyAndLawnPathsAreRelStoragesOwn() throws Exception {
        assertThat(BlobDirectory.open(root).oidDirectory(1))
                .isEqualTo(root.resolve("0x00/0x00/0x00/0x00/0x00/0x00/0x00/0x01"));
        Files.writeString(root.resolve(".layout"), "lawn");
        assertThat(BlobDirectory.open(root).oidDirectory(0x1234f)).isEqualTo(root.resolve("0x01234f"));
        assertThat(BlobDirectory.open(root).revisionFile(0x1234f, 0x03441422948b4399L))
                .isEqualTo(root.resolve("0x01234f/0x03441422948b4399.blob"));
    }

    @Test
    void removesTheRevisionsOfADeletedObjectAndPrunesEmptyDirectories() throws Exception {
        BlobDirectory blobs = BlobDirectory.open(root);
        Path oid = Files.createDirectories(blobs.oidDirectory(7));
        Files.writeString(oid.resolve("0x03441422948b4399.blob"), "old");
        Files.writeString(oid.resolve("0x03441422948b4400.blob"), "last");
        Files.writeString(oid.resolve(".lock"), "");

        assertThat(blobs.removeDeleted(7, 0x03441422948b4400L)).isEqualTo(new BlobDirectory.Removal(2, null));

        assertThat(root.resolve("0x00")).doesNotExist();
        assertThat(root).exists();
    }

    @Test
    void aRemovalThatStoppedHalfWayIsFinishedByTheNextOne() throws Exception {
        BlobDirectory blobs = BlobDirectory.open(root);
        Path oid = Files.createDirectories(blobs.oidDirectory(7));
        Path proof = Files.writeString(oid.resolve("0x03441422948b4400.blob"), "last");
        // an older revision that cannot be removed: the removal fails there, as a process dying there stops
        Path stuck = Files.createDirectories(oid.resolve("0x03441422948b4399.blob"));
        Files.writeString(stuck.resolve("inside"), "");

        assertThatThrownBy(() -> blobs.removeDeleted(7, 0x03441422948b4400L)).isInstanceOf(IOException.class);
        assertThat(proof)
                .as("the file that proves the directory ours goes last")
                .exists();

        Files.delete(stuck.resolve("inside"));
        assertThat(blobs.removeDeleted(7, 0x03441422948b4400L).files()).isEqualTo(2);
        assertThat(root.resolve("0x00")).doesNotExist();
    }

    @Test
    void anEmptyDirectoryOfADeletedObjectIsPruned() throws Exception {
        BlobDirectory blobs = BlobDirectory.open(root);
        Files.createDirectories(blobs.oidDirectory(7));
        Files.writeString(Files.createDirectories(blobs.oidDirectory(0x0100)).resolve("0x0344.blob"), "live");

        assertThat(blobs.removeDeleted(7, 0x03441422948b4400L)).isEqualTo(BlobDirectory.Removal.NONE);

        assertThat(blobs.oidDirectory(7)).doesNotExist();
        assertThat(blobs.oidDirectory(0x0100).resolve("0x0344.blob")).exists();
    }

    @Test
    void neverTouchesAnUploadInFlightNorANewerRevision() throws Exception {
        BlobDirectory blobs = BlobDirectory.open(root);
        Path inFlight = Files.createDirectories(blobs.oidDirectory(8));
        Files.writeString(inFlight.resolve("0x0344142294000000.blob"), "old");
        Files.writeString(inFlight.resolve("0x0344142295000000.tmp-"), "uploading");
        Path newer = Files.createDirectories(blobs.oidDirectory(9));
        Files.writeString(newer.resolve("0x0344142294000000.blob"), "old");
        Files.writeString(newer.resolve("0x0344142299000000.blob"), "re-created later");

        assertThat(blobs.removeDeleted(8, 0x0344142294000000L).kept()).isEqualTo(BlobDirectory.Kept.UPLOADING);
        assertThat(blobs.removeDeleted(9, 0x0344142294000000L).files()).isEqualTo(1);

        assertThat(inFlight.resolve("0x0344142294000000.blob")).exists();
        assertThat(newer.resolve("0x0344142299000000.blob")).exists();
        assertThat(newer.resolve("0x0344142294000000.blob")).doesNotExist();
    }

    @Test
    void aDirectoryWithoutTheDeletedStatesOwnFileIsNotOurs() throws Exception {
        BlobDirectory blobs = BlobDirectory.open(root);
        // another database's live blob under the same oid: older and newer tids, none of the deleted state
        Path foreign = Files.createDirectories(blobs.oidDirectory(10));
        Files.writeString(foreign.resolve("0x0344142290000000.blob"), "theirs, older");
        Files.writeString(foreign.resolve("0x0344142299000000.blob"), "theirs, current");

        BlobDirectory.Removal removal = blobs.removeDeleted(10, 0x0344142294000000L);

        assertThat(removal).isEqualTo(new BlobDirectory.Removal(0, BlobDirectory.Kept.NOT_OURS));
        assertThat(foreign.resolve("0x0344142290000000.blob")).hasContent("theirs, older");
        assertThat(foreign.resolve("0x0344142299000000.blob")).hasContent("theirs, current");
    }

    @Test
    void staleRevisionsOnlyBesideTheCurrentRevisionsOwnFile() throws Exception {
        BlobDirectory blobs = BlobDirectory.open(root);
        Path oid = Files.createDirectories(blobs.oidDirectory(11));
        Files.writeString(oid.resolve("0x0344142290000000.blob"), "old");
        Files.writeString(oid.resolve("0x0344142294000000.blob"), "current");

        assertThat(blobs.staleRevisions(oid, 0x0344142294000000L, Long.MAX_VALUE))
                .containsExactly(oid.resolve("0x0344142290000000.blob"));
        assertThat(blobs.staleRevisions(oid, 0x0344142295000000L, Long.MAX_VALUE))
                .as("the committed state's own file is absent: nothing is provably this object's")
                .isNull();
    }

    @Test
    void refusesAZeoCacheAMissingDirectoryAndOneWithoutLayoutMarkerWithTheFix() throws Exception {
        Files.writeString(root.resolve(".layout"), "zeocache");
        assertThatThrownBy(() -> BlobDirectory.open(root))
                .hasMessageContaining("unset packer.collector.blob-directory");
        assertThatThrownBy(() -> BlobDirectory.open(root.resolve("missing")))
                .hasMessageContaining("is not a directory")
                .hasMessageContaining("blob-dir");
        Files.delete(root.resolve(".layout"));
        assertThatThrownBy(() -> BlobDirectory.open(root))
                .hasMessageContaining("has no .layout marker")
                .hasMessageContaining("shared-blob-dir true");
    }
}
