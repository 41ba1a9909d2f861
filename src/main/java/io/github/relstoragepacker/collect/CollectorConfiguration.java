package io.github.relstoragepacker.collect;

import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The collector's time source, replaceable in tests ("after the grace period" without sleeping). */
@Configuration(proxyBeanMethods = false)
class CollectorConfiguration {

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }
}
