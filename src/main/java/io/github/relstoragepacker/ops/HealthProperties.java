package io.github.relstoragepacker.ops;

import java.time.Duration;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * When the daemon counts as ready.
 *
 * @param maxLag the index may be at most this far behind the newest commit for the instance to be ready
 */
@Validated
@ConfigurationProperties("packer.health")
public record HealthProperties(
        @DefaultValue("5m") @DurationMin(seconds = 1) Duration maxLag) {}
