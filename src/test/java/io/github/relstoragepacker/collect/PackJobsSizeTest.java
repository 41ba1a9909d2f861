package io.github.relstoragepacker.collect;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A pack's message names its state bytes in the unit an operator reads at a glance. */
class PackJobsSizeTest {

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "0|0 B",
                "2560|2.5 KiB",
                "1023|1,023 B",
                "1024|1.0 KiB",
                "5872025|5.6 MiB",
                "3221225472|3.0 GiB",
                "5497558138880|5.0 TiB",
                "5629499534213120|5120.0 TiB"
            })
    void sizes(long bytes, String expected) {
        assertThat(PackJobs.size(bytes)).isEqualTo(expected);
    }
}
