package io.github.relstoragepacker.cli;

import io.github.relstoragepacker.relstorage.ConnectionTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.WebApplicationType;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Starts the service for one command: the same configuration as the daemon (application.yml,
 * environment, {@code --spring.datasource.url=...} arguments, a RelStorage ZConfig file), but only
 * the beans of {@link CommandServices} (no HTTP, actuator or metrics export: a second less at every
 * start) and without continuous collection, so a command never deletes more than it was asked to.
 */
final class ServiceContext {

    private ServiceContext() {}

    static ConfigurableApplicationContext start(List<String> springArgs) {
        SpringApplication spring = new SpringApplication(CommandServices.class);
        spring.setWebApplicationType(WebApplicationType.NONE);
        spring.setDefaultProperties(Map.of("spring.main.banner-mode", "off"));
        List<String> args = new ArrayList<>(springArgs);
        // a command-line argument outranks application.yml, whose default is continuous collection
        args.add("--packer.collector.enabled=false");
        return spring.run(args.toArray(String[]::new));
    }

    /**
     * Why a command failed, in the user's terms: a failed connection names the server, database and
     * role tried and what to check; anything else is its own message.
     */
    static String reason(ConfigurableApplicationContext context, Exception e) {
        String unreachable =
                ConnectionTarget.of(context.getBean(DataSource.class)).explain(e);
        return unreachable != null ? unreachable : String.valueOf(e.getMessage());
    }

    /** Splits {@code --name=value} Spring arguments from a command's own; returns the command's own. */
    static List<String> split(List<String> args, List<String> springArgs, List<String> ownOptions) {
        List<String> own = new ArrayList<>();
        for (String arg : args) {
            boolean isOwn = ownOptions.stream().anyMatch(o -> arg.equals(o) || arg.startsWith(o + "="));
            if (arg.startsWith("--") && !isOwn) {
                springArgs.add(arg);
            } else {
                own.add(arg);
            }
        }
        return own;
    }
}
