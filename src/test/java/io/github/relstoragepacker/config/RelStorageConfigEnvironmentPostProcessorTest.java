package io.github.relstoragepacker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.logging.DeferredLogs;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/** What the file contributes to the environment, and what explicit settings take away from it. */
class RelStorageConfigEnvironmentPostProcessorTest {

    @TempDir
    Path dir;

    private StandardEnvironment process(String storageKeys, Map<String, Object> environmentVariables)
            throws IOException {
        Path file = dir.resolve("zodbpack.conf");
        Files.writeString(file, """
                <relstorage>
                  keep-history false
                  %s
                  <postgresql>
                    dsn host=db dbname=plone user=plone password=secret sslpassword=keypass
                  </postgresql>
                </relstorage>
                """.formatted(storageKeys));
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
        environment
                .getPropertySources()
                .addFirst(new SystemEnvironmentPropertySource("systemEnvironment", environmentVariables));
        environment
                .getPropertySources()
                .addFirst(new MapPropertySource("args", Map.of("packer.relstorage-config", file.toString())));
        ConfigurationPropertySources.attach(environment);
        new RelStorageConfigEnvironmentPostProcessor(new DeferredLogs())
                .postProcessEnvironment(environment, new SpringApplication());
        return environment;
    }

    @Test
    void suppliesTheConnectionAndTheSharedBlobDirectory() throws IOException {
        StandardEnvironment environment = process("shared-blob-dir true\n blob-dir /var/blobs", Map.of());

        assertThat(environment.getProperty("spring.datasource.url")).isEqualTo("jdbc:postgresql://db:5432/plone");
        assertThat(environment.getProperty("spring.datasource.username")).isEqualTo("plone");
        assertThat(environment.getProperty("spring.datasource.password")).isEqualTo("secret");
        assertThat(environment.getProperty("spring.datasource.hikari.data-source-properties.sslpassword"))
                .isEqualTo("keypass");
        assertThat(environment.getProperty("packer.collector.blob-directory")).isEqualTo("/var/blobs");
    }

    @Test
    void aBlobCacheIsNotTheBlobDirectory() throws IOException {
        assertThat(process("shared-blob-dir false\n blob-dir /var/cache", Map.of())
                        .getProperty("packer.collector.blob-directory"))
                .isNull();
        assertThat(process("blob-dir /var/cache", Map.of()).getProperty("packer.collector.blob-directory"))
                .isNull();
    }

    @Test
    void environmentVariablesInSpringsRelaxedFormWin() throws IOException {
        StandardEnvironment environment = process(
                "shared-blob-dir true\n blob-dir /var/blobs",
                Map.of("SPRING_DATASOURCE_PASSWORD", "from-secret", "PACKER_COLLECTOR_BLOBDIRECTORY", "/mnt/blobs"));

        assertThat(environment.getProperty("spring.datasource.password")).isEqualTo("from-secret");
        assertThat(environment.getProperty("packer.collector.blob-directory")).isEqualTo("/mnt/blobs");
        assertThat(environment.getProperty("spring.datasource.username")).isEqualTo("plone");
    }

    @Test
    void aRelativeSharedBlobDirectoryNeedsAnExplicitOne() throws IOException {
        assertThatThrownBy(() -> process("shared-blob-dir true\n blob-dir var/blobstorage", Map.of()))
                .isInstanceOf(RelStorageConfigException.class)
                .hasMessageContaining("line 4: blob-dir var/blobstorage")
                .hasMessageContaining("relative path")
                .hasMessageContaining("packer.collector.blob-directory");
        assertThat(process(
                                "shared-blob-dir true\n blob-dir var/blobstorage",
                                Map.of("PACKER_COLLECTOR_BLOBDIRECTORY", "/mnt/blobs"))
                        .getProperty("packer.collector.blob-directory"))
                .isEqualTo("/mnt/blobs");
    }
}
