package io.github.relstoragepacker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.relstoragepacker.PackerApplication;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * A wrong setting stops the start with the text an operator reads ("APPLICATION FAILED TO START"):
 * the setting, the value, and what a valid one looks like; nothing runs on a guess.
 */
class InvalidConfigurationTest {

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "packer.collector.max-fence-hold=0ms | out of range: it must be longer than or equal to 10 millis",
                "packer.collector.grace=-1h | out of range",
                "packer.collector.max-large-objects-per-transaction=0 | out of range: it must be greater than 0",
                "packer.collector.drain-interval=soon | is not a duration, e.g. 24h, 30m, 90s, 200ms or PT24H",
                "packer.collector.grace=abc | is not a duration, e.g. 24h",
                "packer.collector.enabled=maybe | is not true or false",
                "packer.index.batch-size=-5 | out of range",
                "packer.index.batch-size=many | is not a whole number",
                "packer.index.poll-interval=0s | out of range",
                "packer.health.max-lag=0s | out of range"
            })
    void aBadValueNamesTheSettingTheValueAndAValidOne(String setting, String explanation) {
        FailureAnalysis analysis = startWith(setting);

        assertThat(analysis.getDescription()).contains(setting).contains(explanation);
        assertThat(analysis.getAction()).isNotBlank();
    }

    @Test
    void aMisspeltSettingStopsTheStartAndNamesTheNearestOne() {
        FailureAnalysis analysis = startWith("packer.collector.grce=1h");

        assertThat(analysis.getDescription())
                .contains("packer.collector.grce")
                .contains("(command line: --packer.collector.grce)")
                .contains("did you mean packer.collector.grace?");
        assertThat(analysis.getAction()).contains("packer.collector.max-fence-hold");
    }

    @Test
    void aSettingFarFromAnyStillStopsTheStart() {
        FailureAnalysis analysis = startWith("packer.colector.frobnicate=1");

        assertThat(analysis.getDescription())
                .contains("packer.colector.frobnicate")
                .doesNotContain("did you mean");
    }

    @Test
    void relaxedFormsAndForeignEnvironmentVariablesAreAccepted() {
        StandardEnvironment environment = new StandardEnvironment();
        environment
                .getPropertySources()
                .replace(
                        StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        new SystemEnvironmentPropertySource(
                                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                                Map.of(
                                        "PACKER_COLLECTOR_MAXFENCEHOLD", "300ms",
                                        "PACKER_PORT", "tcp://10.0.0.7:8080",
                                        "PACKER_SERVICE_HOST", "10.0.0.7",
                                        "PACKER_TEST_JDBC_URL", "jdbc:postgresql://db/x")));
        environment
                .getPropertySources()
                .addFirst(new org.springframework.core.env.MapPropertySource(
                        "commandLineArgs", Map.of("packer.collector.maxFenceHold", "300ms")));

        assertThatCode(() -> new UnknownSettingsCheck()
                        .postProcessEnvironment(environment, new SpringApplication(PackerApplication.class)))
                .doesNotThrowAnyException();
    }

    @Test
    void aMisspeltEnvironmentVariableInAPackerGroupStopsTheStart() {
        StandardEnvironment environment = new StandardEnvironment();
        environment
                .getPropertySources()
                .replace(
                        StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        new SystemEnvironmentPropertySource(
                                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                                Map.of("PACKER_COLLECTOR_GRCE", "1h")));

        Throwable failure = catchThrowable(() -> new UnknownSettingsCheck()
                .postProcessEnvironment(environment, new SpringApplication(PackerApplication.class)));

        assertThat(failure).isInstanceOf(InvalidSettingException.class);
        assertThat(failure.getMessage())
                .contains("packer.collector.grce")
                .contains("did you mean packer.collector.grace?");
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void theOperatorReadsItInTheStartFailureReport(CapturedOutput output) {
        startWith("packer.collector.grace=abc");

        assertThat(output.getAll())
                .contains("APPLICATION FAILED TO START")
                .contains("packer.collector.grace=abc (command line: --packer.collector.grace) is not a duration");
    }

    private static FailureAnalysis startWith(String setting) {
        SpringApplication app = new SpringApplication(PackerApplication.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        List<String> args = new ArrayList<>(
                List.of("--spring.datasource.url=jdbc:postgresql://127.0.0.1:1/none", "--spring.main.banner-mode=off"));
        args.add("--" + setting);

        Throwable failure =
                catchThrowable(() -> app.run(args.toArray(String[]::new)).close());

        assertThat(failure).isNotNull();
        FailureAnalysis analysis = new InvalidSettingFailureAnalyzer().analyze(failure);
        assertThat(analysis).as("analysis of %s", failure).isNotNull();
        return analysis;
    }
}
