package io.github.relstoragepacker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.github.relstoragepacker.PackerApplication;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/** Which names the check accepts: every form Spring binds, and nothing another program owns. */
class UnknownSettingCheckTest {

    private final UnknownSettingCheck check = new UnknownSettingCheck();
    private final SpringApplication application = new SpringApplication(PackerApplication.class);

    @Test
    void relaxedFormsOfAValidNameAreAccepted() {
        StandardEnvironment environment = environment(
                Map.of("PACKER_COLLECTOR_MAXFENCEHOLD", "300ms", "PACKER_INDEX_BATCH_SIZE", "10", "PACKER_LOG", "1"),
                Map.of(
                        "packer.collector.maxFenceHold", "300ms",
                        "packer.collector.max-fence-hold", "300ms",
                        "packer.collector.max_fence_hold", "300ms",
                        "packer.relstorage-config-storage", "main"));
        System.setProperty("packer.test.unrelated", "x");
        try {
            assertThatNoException().isThrownBy(() -> check.postProcessEnvironment(environment, application));
        } finally {
            System.clearProperty("packer.test.unrelated");
        }
    }

    @Test
    void unknownNamesAreReportedWithTheirOriginAndTheNearestValidName() {
        StandardEnvironment environment = environment(
                Map.of("PACKER_COLLECTOR_GRCE", "1h"), Map.of("packer.index.batchsise", "10", "packer.nothing", "x"));

        UnknownSettingException failure = catchThrowableOfType(
                UnknownSettingException.class, () -> check.postProcessEnvironment(environment, application));

        assertThat(failure.settings())
                .extracting(UnknownSettingException.Setting::name, UnknownSettingException.Setting::nearest)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("packer.collector.grce", "packer.collector.grace"),
                        org.assertj.core.groups.Tuple.tuple("packer.index.batchsise", "packer.index.batch-size"),
                        org.assertj.core.groups.Tuple.tuple("packer.nothing", null));
        assertThat(failure.settings())
                .filteredOn(s -> s.name().equals("packer.collector.grce"))
                .singleElement()
                .satisfies(s -> assertThat(s.origin()).contains("PACKER_COLLECTOR_GRCE"));
    }

    private static StandardEnvironment environment(Map<String, Object> variables, Map<String, Object> file) {
        StandardEnvironment environment = new StandardEnvironment();
        environment
                .getPropertySources()
                .replace(
                        StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        new SystemEnvironmentPropertySource(
                                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables));
        environment.getPropertySources().addFirst(new MapPropertySource("application.yml", file));
        return environment;
    }
}
