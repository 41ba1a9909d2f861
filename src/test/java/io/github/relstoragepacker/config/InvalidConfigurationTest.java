package io.github.relstoragepacker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.relstoragepacker.PackerApplication;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;

/** A wrong setting stops the start with a message that names the property; nothing runs on a guess. */
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
    void startupFailsNamingTheProperty(String setting) {
        SpringApplication app = new SpringApplication(PackerApplication.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        List<String> args = new ArrayList<>(
                List.of("--spring.datasource.url=jdbc:postgresql://127.0.0.1:1/none", "--spring.main.banner-mode=off"));
        args.add("--" + setting);

        Throwable failure =
                catchThrowable(() -> app.run(args.toArray(String[]::new)).close());

        assertThat(failure).isNotNull();
        StringBuilder messages = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append('\n');
        }
        assertThat(messages.toString()).contains(setting.substring(0, setting.indexOf('=')));
    }
}
