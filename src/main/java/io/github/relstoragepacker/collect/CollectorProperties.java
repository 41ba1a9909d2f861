package io.github.relstoragepacker.collect;

import jakarta.validation.constraints.Positive;
import java.nio.file.Path;
import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMin;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How the collector deletes garbage.
 *
 * @param enabled whether garbage is collected continuously; when false, only explicit packs delete
 * @param grace how long an object must have been unreachable before it may be deleted (continuous
 *     collection); it covers application code that re-links an object from a stale copy
 * @param maxFenceHold the longest time one deletion batch may hold RelStorage's commit lock, and so
 *     delay Plone's commits; batches aim at half of it while Plone is quiet and at less while Plone
 *     commits queue behind them, and one that would take longer is rolled back and halved
 * @param maxFenceWait how long one batch keeps trying to take the commit lock while Plone is busy
 *     before it gives up until the next run
 * @param drainInterval pause between two continuous drains of unreferenced objects
 * @param markInterval pause between two continuous cycle collections (a full mark from the root)
 * @param maxLargeObjectsPerTransaction blob large objects unlinked by one deletion transaction at most
 *     (thousands exhaust PostgreSQL's lock table, relstorage#468)
 * @param blobDirectory RelStorage's shared blob directory ({@code shared-blob-dir true}), the same
 *     volume Plone mounts; unset when blobs are stored in the database. Nothing in it is removed before
 *     it proved to be this database's: its {@code .layout} marker, and the current revision files of
 *     sampled blob records
 */
@Validated
@ConfigurationProperties("packer.collector")
public record CollectorProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("24h") @DurationMin(millis = 0) Duration grace,
        @DefaultValue("200ms") @DurationMin(millis = 10) Duration maxFenceHold,
        @DefaultValue("30s") @DurationMin(millis = 0) Duration maxFenceWait,
        @DefaultValue("1m") @DurationMin(millis = 1) Duration drainInterval,
        @DefaultValue("6h") @DurationMin(millis = 1) Duration markInterval,
        @DefaultValue("1000") @Positive int maxLargeObjectsPerTransaction,
        @Nullable Path blobDirectory) {}
