package io.github.relstoragepacker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.relstoragepacker.PackerApplication;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * A wrong setting stops the start with a message that names the property, the value and a value that
 * would work; nothing runs on a guess. The assertions read the "APPLICATION FAILED TO START" report,
 * which is what the user sees.
 */
@ExtendWith(OutputCaptureExtension.class)
class InvalidConfigurationTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "packer.collector.max-fence-hold=0ms",
                "packer.collector.grace=-1h",
                "packer.collector.max-large-objects-per-transaction=0",
                "packer.collector.drain-interval=soon",
                "packer.index.batch-size=-5",
                "packer.index.poll-interval=0s",
                "packer.health.max-lag=0s"
            })
    void startupFailsNamingTheProperty(String setting, CapturedOutput output) {
        Throwable failure = start(setting);

        assertThat(failure).isNotNull();
        assertThat(output.getOut() + output.getErr())
                .contains("APPLICATION FAILED TO START")
                .contains(setting);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "packer.collector.grace=abc | is not a duration: use e.g. 24h, 30m, 90s, 200ms or PT24H",
                "packer.collector.enabled=maybe | is not a boolean: use true or false",
                "packer.index.batch-size=lots | is not a whole number: use e.g. 1000",
                "packer.collector.grace=-1h | is out of range: it must be",
                "packer.index.batch-size=-5 | is out of range: it must be greater than 0"
            })
    void anInvalidValueIsNamedWithAValidExample(String setting, String explanation, CapturedOutput output) {
        start(setting);

        assertThat(output.getOut() + output.getErr())
                .contains(setting + " " + explanation)
                .contains("(from command line --" + setting.substring(0, setting.indexOf('=')) + ")");
    }

    @Test
    void aMisspeltSettingStopsTheStartNamingTheOneMeant(CapturedOutput output) {
        Throwable failure = start("packer.collector.grce=1h");

        assertThat(failure).isInstanceOf(UnknownSettingException.class);
        assertThat(output.getOut() + output.getErr())
                .contains("packer.collector.grce (from command line --packer.collector.grce)"
                        + ": did you mean packer.collector.grace?");
    }

    private static Throwable start(String setting) {
        SpringApplication app = new SpringApplication(PackerApplication.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        List<String> args = new ArrayList<>(
                List.of("--spring.datasource.url=jdbc:postgresql://127.0.0.1:1/none", "--spring.main.banner-mode=off"));
        args.add("--" + setting);
        return catchThrowable(() -> app.run(args.toArray(String[]::new)).close());
    }
}
