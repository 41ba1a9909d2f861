package io.github.relstoragepacker.index;

import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How the reference index is built and kept up to date.
 *
 * @param pollInterval pause between two polls for new transactions
 * @param batchSize objects applied to the index per database transaction while polling; a chunk ends
 *     at a tid boundary once it holds this many
 * @param buildThreads parallel readers during the initial build; 0 means one per processor
 * @param buildRangeSize greatest width, in zoids, of one unit of build work (the zoids are cut into
 *     equal units, as many as the threads or a multiple, so that they finish together); a restarted
 *     build redoes at most one unit per thread
 * @param reconcileInterval how often objects deleted behind the index's back (by zodbpack or by hand)
 *     are looked for and removed from it, counted from the last look (kept in the database, so a
 *     restart or a one-shot command does not look again sooner) or from the start of the build
 * @param statisticsInterval how often the counts shown in status and metrics (objects, garbage pending
 *     and its bytes) are recounted; each recount reads our tables once
 */
@Validated
@ConfigurationProperties("packer.index")
record IndexProperties(
        @DefaultValue("200ms") @DurationMin(millis = 1) Duration pollInterval,
        @DefaultValue("5000") @Positive int batchSize,
        @DefaultValue("0") @PositiveOrZero int buildThreads,
        @DefaultValue("250000") @Positive long buildRangeSize,
        @DefaultValue("10m") @DurationMin(seconds = 1) Duration reconcileInterval,
        @DefaultValue("30s") @DurationMin(millis = 100) Duration statisticsInterval) {

    int effectiveBuildThreads() {
        return buildThreads > 0 ? buildThreads : Runtime.getRuntime().availableProcessors();
    }
}
