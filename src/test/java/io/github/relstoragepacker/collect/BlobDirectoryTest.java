package io.github.relstoragepacker.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Blob files of deleted objects go; what may belong to a later commit stays. */
class BlobDirectoryTest {

    @TempDir
    Path root;

    @Test
    void bushyAndLawnPathsAreRelStoragesOwn() throws Exception {
        assertThat(BlobDirectory.open(root).oidDirectory(1))
                .isEqualTo(root.resolve("0x00/0x00/0x00/0x00/0x00/0x00/0x00/0x01"));
        Files.writeString(root.resolve(".layout"), "lawn");
        assertThat(BlobDirectory.open(root).oidDirectory(0x1234f)).isEqualTo(root.resolve("0x01234f"));
    }

    @Test
    void removesTheRevisionsOfADeletedObjectAndPrunesEmptyDirectories() throws Exception {
        BlobDirectory blobs = BlobDirectory.open(root);
        Path oid = Files.createDirectories(blobs.oidDirectory(7));
        Files.writeString(oid.resolve("0x03441422948b4399.blob"), "old");
        Files.writeString(oid.resolve("0x03441422948b4400.blob"), "last");
        Files.writeString(oid.resolve(".lock"), "");

        assertThat(blobs.removeDeleted(7, 0x03441422948b4400L)).isEqualTo(2);

        assertThat(root.resolve("0x00")).doesNotExist();
        assertThat(root).exists();
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

        assertThat(blobs.removeDeleted(8, 0x0344142294000000L)).isZero();
        assertThat(blobs.removeDeleted(9, 0x0344142294000000L)).isEqualTo(1);

        assertThat(inFlight.resolve("0x0344142294000000.blob")).exists();
        assertThat(newer.resolve("0x0344142299000000.blob")).exists();
        assertThat(newer.resolve("0x0344142294000000.blob")).doesNotExist();
    }

    @Test
    void refusesAZeoCacheAndAMissingDirectoryWithTheFix() throws Exception {
        Files.writeString(root.resolve(".layout"), "zeocache");
        assertThatThrownBy(() -> BlobDirectory.open(root))
                .hasMessageContaining("unset packer.collector.blob-directory");
        assertThatThrownBy(() -> BlobDirectory.open(root.resolve("missing")))
                .hasMessageContaining("is not a directory")
                .hasMessageContaining("blob-dir");
    }
}
