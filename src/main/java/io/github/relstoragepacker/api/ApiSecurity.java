package io.github.relstoragepacker.api;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;

/**
 * Who may do what over HTTP.
 *
 * <ul>
 *   <li>Actuator (its own port): open, read-only; keep that port inside the cluster. A credential, if
 *       sent, is checked, and only then does {@code /actuator/packer} name the database users and
 *       client addresses holding the locks.
 *   <li>The OpenAPI description: open.
 *   <li>Reading (GET of the status pages, {@code /}, {@code /packs/{id}} and {@code /objects}, and of {@code /api/v1}): a credential, unless {@code
 *       packer.api.public-status} opens it.
 *   <li>Changing anything (POST, DELETE): a credential, always. With no credential configured these
 *       endpoints are disabled and answer 403 with the fix.
 *   <li>Anything else: denied.
 * </ul>
 *
 * Stateless: no session, no cookie, so the only CSRF exposure is HTTP basic, closed by {@link
 * CredentialFilter}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication
class ApiSecurity {

    private static final Logger log = LoggerFactory.getLogger(ApiSecurity.class);
    private static final String[] READ = {"/", "/packs/*", "/objects", "/api/v1/**"};

    @Bean
    Credentials apiCredentials(ApiProperties properties) {
        Credentials credentials = Credentials.from(properties);
        if (!credentials.any()) {
            log.warn("No API credential is configured, so the control endpoints (POST and DELETE under /api/v1:"
                    + " packs, pause, resume, index rebuild and verify) are disabled. To enable them set"
                    + " packer.api.token (or PACKER_API_TOKEN, or packer.api.token-file for a mounted secret), or"
                    + " packer.api.username and packer.api.password.");
        }
        return credentials;
    }

    @Bean
    @Order(1)
    SecurityFilterChain actuatorFilterChain(HttpSecurity http, Credentials credentials, Problems problems)
            throws Exception {
        // open to all, but an operator's credential is recognised, so /actuator/packer can show them
        // what it hides from anonymous readers
        return stateless(http.securityMatcher(EndpointRequest.toAnyEndpoint()))
                .addFilterBefore(new CredentialFilter(credentials, problems), AnonymousAuthenticationFilter.class)
                .authorizeHttpRequests(a -> a.anyRequest().permitAll())
                .build();
    }

    @Bean
    @Order(2)
    SecurityFilterChain apiFilterChain(
            HttpSecurity http, Credentials credentials, ApiProperties properties, Problems problems) throws Exception {
        return stateless(http)
                .addFilterBefore(new CredentialFilter(credentials, problems), AnonymousAuthenticationFilter.class)
                .authorizeHttpRequests(a -> {
                    for (HttpMethod read : List.of(HttpMethod.GET, HttpMethod.HEAD)) {
                        a.requestMatchers(read, "/api/v1/openapi.yaml", "/error", "/favicon.ico")
                                .permitAll();
                        if (properties.publicStatus()) {
                            a.requestMatchers(read, READ).permitAll();
                        }
                    }
                    a.requestMatchers(READ).hasAuthority(CredentialFilter.OPERATOR);
                    a.anyRequest().denyAll();
                })
                .exceptionHandling(e -> e.authenticationEntryPoint(
                                (request, response, ex) -> unauthenticated(request, response, credentials, problems))
                        .accessDeniedHandler((request, response, ex) -> problems.write(
                                request,
                                response,
                                HttpStatus.FORBIDDEN,
                                "Forbidden",
                                "This request is not allowed: " + request.getMethod() + " " + request.getRequestURI()
                                        + " is not part of the API (see /api/v1/openapi.yaml).")))
                .build();
    }

    private static HttpSecurity stateless(HttpSecurity http) throws Exception {
        return http.csrf(AbstractHttpConfigurer::disable)
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(AbstractHttpConfigurer::disable)
                .httpBasic(AbstractHttpConfigurer::disable)
                .formLogin(AbstractHttpConfigurer::disable)
                .logout(AbstractHttpConfigurer::disable);
    }

    private static void unauthenticated(
            HttpServletRequest request, HttpServletResponse response, Credentials credentials, Problems problems)
            throws IOException {
        boolean reading = request.getMethod().equals("GET");
        if (!credentials.any()) {
            problems.write(
                    request,
                    response,
                    HttpStatus.FORBIDDEN,
                    reading ? "Reading is not open" : "Control endpoints disabled",
                    reading
                            ? "No API credential is configured and packer.api.public-status is false. Set"
                                    + " packer.api.public-status=true to let anyone read, or configure a credential."
                            : "No API credential is configured, so nothing can be changed over HTTP. Set"
                                    + " packer.api.token (or packer.api.token-file), or packer.api.username and"
                                    + " packer.api.password, and restart.");
            return;
        }
        response.addHeader("WWW-Authenticate", "Bearer realm=\"relstorage-packer\"");
        if (credentials.basic()) {
            response.addHeader("WWW-Authenticate", "Basic realm=\"relstorage-packer\", charset=\"UTF-8\"");
        }
        problems.write(
                request,
                response,
                HttpStatus.UNAUTHORIZED,
                "Authentication required",
                "Send Authorization: Bearer <packer.api.token>, or HTTP basic with packer.api.username and password.");
    }
}
