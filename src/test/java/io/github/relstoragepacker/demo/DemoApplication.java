package io.github.relstoragepacker.demo;

import io.github.relstoragepacker.PackerApplication;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The demo: {@code ./mvnw -B spring-boot:test-run} runs this class on the test classpath, where the
 * PostgreSQL binaries are, so the jar and the image never carry them.
 *
 * <p>It starts the service exactly as {@link PackerApplication} does, with {@link Demo} listening: when
 * no {@code spring.datasource.url} is configured (in arguments, environment or configuration files),
 * it first starts an embedded PostgreSQL with a generated Plone-like database full of garbage; with
 * one, nothing embedded starts and this is the plain service.
 */
public final class DemoApplication {

    private DemoApplication() {}

    public static void main(String[] args) {
        run(args);
    }

    /** Starts the service; closing the result stops it and, after it, everything the demo started. */
    static Demo run(String... args) {
        Demo demo = new Demo();
        SpringApplication application = new SpringApplication(PackerApplication.class);
        application.addListeners(demo);
        try {
            ConfigurableApplicationContext context = application.run(args);
            demo.started(context);
            return demo;
        } catch (RuntimeException e) {
            demo.close();
            throw e;
        }
    }
}
