package io.github.relstoragepacker.api;

import io.github.relstoragepacker.relstorage.RelStorageDatabase;
import io.github.relstoragepacker.relstorage.TargetDatabase;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Answers 409 with the refusal and its fix before any endpoint that needs the index touches the
 * database, when the probe found a database the index cannot be built from (history-preserving, not
 * RelStorage, unknown commit lock, no read grant). Such a database never gets schema {@code packer},
 * so without this the endpoints would fail on a missing relation, and a pack would record its job by
 * creating the schema first. A database that cannot be probed yet passes: its endpoints answer 503
 * saying it is unreachable.
 */
@Configuration(proxyBeanMethods = false)
class RefusedDatabaseGuard implements WebMvcConfigurer, HandlerInterceptor {

    private final TargetDatabase target;

    RefusedDatabaseGuard(TargetDatabase target) {
        this.target = target;
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(this)
                .addPathPatterns(
                        PacksController.PATH,
                        PacksController.PATH + "/**",
                        "/api/v1/objects/**",
                        "/api/v1/dangling",
                        "/api/v1/stats/**",
                        "/api/v1/index/**");
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        RelStorageDatabase db = target.current();
        if (db != null && !db.readProblems().isEmpty()) {
            throw new DatabaseRefusedException(String.join(" ", db.readProblems()));
        }
        return true;
    }
}
