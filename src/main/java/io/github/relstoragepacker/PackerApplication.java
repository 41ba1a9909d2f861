package io.github.relstoragepacker;

import io.github.relstoragepacker.cli.CollectBenchmarkCommand;
import io.github.relstoragepacker.cli.CommandLine;
import io.github.relstoragepacker.cli.InspectCommand;
import io.github.relstoragepacker.cli.PackCommand;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.boot.security.autoconfigure.UserDetailsServiceAutoConfiguration;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * Entry point of the daemon and of the command line.
 *
 * <p>Commands that need no database (such as {@code scan-refs}) run without starting Spring, so
 * scripts get their answer in milliseconds; anything else starts the service.
 */
@SpringBootApplication(exclude = UserDetailsServiceAutoConfiguration.class)
@ConfigurationPropertiesScan
@EnableScheduling
public class PackerApplication {

    public static void main(String[] args) {
        if (CommandLine.handles(args)) {
            System.exit(CommandLine.run(args, System.out, System.err));
        }
        if (args.length > 0 && args[0].equals("pack")) {
            System.exit(PackCommand.run(PackerApplication.class, args, System.out, System.err));
        }
        if (InspectCommand.handles(args)) {
            System.exit(InspectCommand.run(PackerApplication.class, args, System.out, System.err));
        }
        if (args.length > 0 && args[0].equals(CollectBenchmarkCommand.NAME)) {
            System.exit(CollectBenchmarkCommand.run(PackerApplication.class, args, System.out, System.err));
        }
        SpringApplication.run(PackerApplication.class, args);
    }
}
