package io.github.relstoragepacker;

import io.github.relstoragepacker.cli.CommandLine;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * Entry point of the daemon and of the command line.
 *
 * <p>Help and the commands are dispatched by {@link CommandLine}; commands that need no database
 * (such as {@code scan-refs}) and help run without starting Spring, so scripts get their answer in
 * milliseconds. Without a command, the daemon starts.
 */
@SpringBootApplication(exclude = UserDetailsServiceAutoConfiguration.class)
@ConfigurationPropertiesScan
@EnableScheduling
public class PackerApplication {

    public static void main(String[] args) {
        if (CommandLine.handles(args)) {
            System.exit(CommandLine.run(PackerApplication.class, args, System.out, System.err));
        }
        SpringApplication.run(PackerApplication.class, args);
    }
}
