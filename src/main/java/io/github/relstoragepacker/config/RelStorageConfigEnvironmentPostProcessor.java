package io.github.relstoragepacker.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.logging.Log;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Supplies {@code spring.datasource.*} and {@code packer.collector.blob-directory} from the RelStorage
 * ZConfig file named by {@value RelStorageConfigProperties#FILE}, so that operators can point the
 * service at the file {@code zodbpack} already uses.
 *
 * <ol>
 *   <li>It runs after every other environment post-processor, so every explicit setting (command line,
 *       environment, configuration files) is visible to it.
 *   <li>Its values form the property source of lowest precedence: an explicit setting always wins,
 *       and each such override is logged at INFO, naming where the setting comes from.
 *   <li>A history-preserving storage ({@code keep-history} true, RelStorage's default) is refused:
 *       only history-free databases may be collected.
 *   <li>{@code blob-dir} becomes the blob directory only when {@code shared-blob-dir} is true; otherwise
 *       it is RelStorage's cache of blobs stored in the database, where deleting files would be wrong
 *       (and useless).
 *   <li>Every problem ends startup with a {@link RelStorageConfigException} naming the property, the
 *       file, the line and the fix, which {@link RelStorageConfigFailureAnalyzer} reports. Passwords are
 *       never logged or put into the JDBC URL.
 * </ol>
 */
class RelStorageConfigEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

    static final String PROPERTY_SOURCE = "relstorage-config";
    private static final String URL = "spring.datasource.url";
    private static final String USERNAME = "spring.datasource.username";
    private static final String PASSWORD = "spring.datasource.password";
    private static final String DATA_SOURCE_PROPERTIES = "spring.datasource.hikari.data-source-properties.";
    private static final String BLOB_DIRECTORY = "packer.collector.blob-directory";

    private final Log log;

    RelStorageConfigEnvironmentPostProcessor(DeferredLogFactory logs) {
        this.log = logs.getLog(RelStorageConfigEnvironmentPostProcessor.class);
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        RelStorageConfigProperties properties = Binder.get(environment)
                .bind("packer", RelStorageConfigProperties.class)
                .orElse(new RelStorageConfigProperties(null, null));
        Path file = properties.relstorageConfig();
        if (file == null || file.toString().isBlank()) {
            return;
        }
        RelStorageStorage storage =
                RelStorageConfigReader.read(file, properties.relstorageConfigStorage(), System::getenv);
        if (storage.keepHistory()) {
            throw new RelStorageConfigException(
                    file,
                    storage.keepHistoryLine(),
                    (storage.keepHistoryGiven()
                                    ? "The storage %s is history-preserving (keep-history true)."
                                    : "The storage %s is history-preserving: it has no keep-history line, and"
                                            + " RelStorage then keeps history.")
                            .formatted(storage.section()),
                    "relstorage-packer collects history-free databases only: pack a history-preserving database"
                            + " with RelStorage's zodbpack. If the database is history-free, the file is not the one"
                            + " Plone uses (RelStorage refuses to open a history-free database with keep-history"
                            + " true): point %s at Plone's, or write keep-history false."
                                    .formatted(RelStorageConfigProperties.FILE));
        }
        log.info("Reading connection and blob settings from %s (%s=%s) where they are not set explicitly."
                .formatted(storage.section(), RelStorageConfigProperties.FILE, file));
        Map<String, Object> values = new LinkedHashMap<>();
        dataSource(environment, storage, values);
        blobDirectory(environment, storage, values);
        environment.getPropertySources().addLast(new MapPropertySource(PROPERTY_SOURCE, values));
    }

    private void dataSource(
            ConfigurableEnvironment environment, RelStorageStorage storage, Map<String, Object> values) {
        JdbcConnection connection;
        try {
            connection = PgJdbcTranslator.translate(LibpqDsn.parse(storage.dsn()), defaultPassFile());
        } catch (InvalidDsnException e) {
            String explicitUrl = explicitSource(environment, URL);
            if (explicitUrl != null) {
                log.warn("The dsn of %s at line %d of %s cannot be translated (%s); %s is set explicitly (%s), so the"
                                .formatted(
                                        storage.section(),
                                        storage.dsnLine(),
                                        storage.file(),
                                        e.getMessage(),
                                        URL,
                                        explicitUrl)
                        + " file's connection settings are not used.");
                return;
            }
            throw new RelStorageConfigException(
                    storage.file(),
                    storage.dsnLine(),
                    "The dsn of %s cannot be translated to JDBC: %s.".formatted(storage.section(), e.getMessage()),
                    "Correct the dsn (a libpq connection string), or set %s, %s and %s explicitly, which then win."
                            .formatted(URL, USERNAME, PASSWORD));
        }
        connection.notes().forEach(log::info);
        connection.warnings().forEach(log::warn);
        offer(environment, values, URL, connection.url(), storage, "url " + connection.url());
        if (connection.username() != null) {
            offer(environment, values, USERNAME, connection.username(), storage, "user " + connection.username());
        } else if (explicitSource(environment, USERNAME) == null) {
            throw new RelStorageConfigException(
                    storage.file(),
                    storage.dsnLine(),
                    "The dsn of %s names no user: libpq would log in as the operating-system user running Plone,"
                                    .formatted(storage.section())
                            + " which is unknown here.",
                    "Add user=... to the dsn, or set %s.".formatted(USERNAME));
        }
        if (connection.password() != null) {
            offer(environment, values, PASSWORD, connection.password(), storage, "password");
        }
        connection
                .secretProperties()
                .forEach((name, value) ->
                        offer(environment, values, DATA_SOURCE_PROPERTIES + name, value, storage, name));
    }

    private void blobDirectory(
            ConfigurableEnvironment environment, RelStorageStorage storage, Map<String, Object> values) {
        String blobDir = storage.blobDir();
        if (blobDir == null) {
            return;
        }
        if (!storage.sharedBlobDir()) {
            log.info(("blob-dir %s of %s is a blob cache (shared-blob-dir %s): blobs are stored in the database,"
                            + " so %s is not set from the file.")
                    .formatted(
                            blobDir,
                            storage.section(),
                            storage.sharedBlobDirGiven()
                                    ? "false"
                                    : "absent, which RelStorage 3 and later read as false",
                            BLOB_DIRECTORY));
            if (!storage.sharedBlobDirGiven()) {
                log.warn(("%s has blob-dir but no shared-blob-dir line. RelStorage 3 and later read that as a blob"
                                + " cache; RelStorage 1.x and 2.x read it as the shared blob directory. If this"
                                + " database's blobs are files in %s, write shared-blob-dir true in the file or set %s.")
                        .formatted(storage.section(), blobDir, BLOB_DIRECTORY));
            }
            return;
        }
        if (!Path.of(blobDir).isAbsolute() && explicitSource(environment, BLOB_DIRECTORY) == null) {
            throw new RelStorageConfigException(
                    storage.file(),
                    storage.blobDirLine(),
                    "blob-dir %s of %s is a relative path, relative to the working directory of the Plone process."
                            .formatted(blobDir, storage.section()),
                    "Set %s to the shared blob directory's absolute path, as mounted for this service."
                            .formatted(BLOB_DIRECTORY));
        }
        offer(environment, values, BLOB_DIRECTORY, blobDir, storage, "blob-dir " + blobDir);
    }

    /** Adds {@code value} unless {@code key} is set explicitly; {@code shown} is what may be logged of it. */
    private void offer(
            ConfigurableEnvironment environment,
            Map<String, Object> values,
            String key,
            String value,
            RelStorageStorage storage,
            String shown) {
        String explicit = explicitSource(environment, key);
        if (explicit != null) {
            log.info("%s is set explicitly (%s), so the %s from %s is not used."
                    .formatted(key, explicit, shown, storage.section()));
            return;
        }
        values.put(key, value);
        log.info("%s: the %s from %s.".formatted(key, shown, storage.section()));
    }

    /** Where {@code key} is set (in any of Spring's relaxed forms), or null when it is not. */
    private static @Nullable String explicitSource(ConfigurableEnvironment environment, String key) {
        ConfigurationPropertyName name = ConfigurationPropertyName.of(key);
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
            ConfigurationProperty property = source.getConfigurationProperty(name);
            if (property != null) {
                return property.getOrigin() != null
                        ? property.getOrigin().toString()
                        : String.valueOf(source.getUnderlyingSource());
            }
        }
        return null;
    }

    /** libpq's default password file: {@code PGPASSFILE}, else {@code ~/.pgpass}. */
    private static @Nullable Path defaultPassFile() {
        String configured = System.getenv("PGPASSFILE");
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        String home = System.getProperty("user.home");
        return home == null || home.isBlank() ? null : Path.of(home, ".pgpass");
    }
}
