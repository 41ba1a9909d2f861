package io.github.relstoragepacker.relstorage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class BlobLayoutTest {

    private final Path root = Path.of("/var/blobs");

    @Test
    void bushyGivesEachOidByteItsOwnLevelMostSignificantFirst() {
        assertThat(BlobLayout.BUSHY.oidDirectory(root, 0))
                .isEqualTo(Path.of("/var/blobs/0x00/0x00/0x00/0x00/0x00/0x00/0x00/0x00"));
        assertThat(BlobLayout.BUSHY.oidDirectory(root, 0x0123456789abcdefL))
                .isEqualTo(Path.of("/var/blobs/0x01/0x23/0x45/0x67/0x89/0xab/0xcd/0xef"));
        assertThat(BlobLayout.BUSHY.oidDirectory(root, -1))
                .isEqualTo(Path.of("/var/blobs/0xff/0xff/0xff/0xff/0xff/0xff/0xff/0xff"));
        assertThat(BlobLayout.BUSHY.oidDirectory(root, 0x10a0L).getNameCount()).isEqualTo(2 + 8);
        assertThat(BlobLayout.BUSHY.oidDirectory(root, 0x10a0L).getFileName()).isEqualTo(Path.of("0xa0"));
    }

    @Test
    void lawnNamesTheOidDirectoryByItsRepr() {
        assertThat(BlobLayout.LAWN.oidDirectory(root, 0x10a0L)).isEqualTo(Path.of("/var/blobs/0x10a0"));
        assertThat(BlobLayout.LAWN.oidDirectory(root, 7)).isEqualTo(Path.of("/var/blobs/0x07"));
    }
}
