package io.github.relstoragepacker.config;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Where to take the database and blob settings from an existing RelStorage configuration.
 *
 * <p>Read by {@link RelStorageConfigEnvironmentPostProcessor} before the application context exists;
 * declared here so that the keys are documented and bound like every other property.
 *
 * @param relstorageConfig a ZConfig file with a {@code <relstorage>} section, such as the one given
 *     to {@code zodbpack} or Plone's {@code zope.conf}: its PostgreSQL {@code dsn} supplies
 *     {@code spring.datasource.url}, {@code username} and {@code password}, and its {@code blob-dir}
 *     (when {@code shared-blob-dir} is true) supplies {@code packer.collector.blob-directory}, each
 *     only where that property is not set explicitly; unset, only the explicit properties are used
 * @param relstorageConfigStorage which storage of the {@code packer.relstorage-config} file to use when it has several
 *     {@code <relstorage>} sections: the name of the section ({@code <relstorage source>}) or of the
 *     section enclosing it ({@code <zodb_db main>}), compared case-insensitively
 */
@ConfigurationProperties("packer")
public record RelStorageConfigProperties(
        @Nullable Path relstorageConfig, @Nullable String relstorageConfigStorage) {

    static final String FILE = "packer.relstorage-config";
    static final String STORAGE = "packer.relstorage-config-storage";
}
