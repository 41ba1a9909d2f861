package io.github.relstoragepacker.cli;

import io.github.relstoragepacker.collect.CollectionLoop;
import io.github.relstoragepacker.config.RelStorageConfigProperties;
import io.github.relstoragepacker.index.IndexMaintainer;
import io.github.relstoragepacker.ops.StatusService;
import io.github.relstoragepacker.relstorage.TargetDatabase;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * What a command starts: the database, the index and the collector, without the daemon's web server,
 * actuator, metrics export, security and scheduling. A command pays at its start only for what it
 * uses; the daemon's auto-configuration is not evaluated at all.
 */
@Configuration(proxyBeanMethods = false)
@ImportAutoConfiguration(DataSourceAutoConfiguration.class)
@ComponentScan(basePackageClasses = {TargetDatabase.class, IndexMaintainer.class, CollectionLoop.class})
@ConfigurationPropertiesScan(
        basePackageClasses = {
            TargetDatabase.class,
            IndexMaintainer.class,
            CollectionLoop.class,
            RelStorageConfigProperties.class
        })
@Import(StatusService.class)
class CommandServices {

    /** Meters in memory only: a command's numbers are printed, not scraped. */
    @Bean
    MeterRegistry meterRegistry() {
        return new SimpleMeterRegistry();
    }
}
