package io.github.relstoragepacker.api;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import org.apache.catalina.core.StandardHost;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.MimeMappings;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.security.web.firewall.HttpStatusRequestRejectedHandler;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The errors that never reach a controller, as RFC 9457 problems like every other: Spring's error
 * page ({@code /error}, where a servlet error or a {@code sendError} lands), Spring Security's
 * firewall (an encoded {@code ..} or {@code %2f}: a 400, not a logged stack trace), and Tomcat's own
 * report ({@link ProblemReportValve}). Also serves the OpenAPI description as YAML, which Tomcat's
 * table of media types does not know.
 */
@RestController
@ConditionalOnWebApplication
class ErrorProblems implements ErrorController {

    @RequestMapping(value = "/error", produces = MediaType.APPLICATION_PROBLEM_JSON_VALUE)
    ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        HttpStatus status = code instanceof Integer c ? HttpStatus.resolve(c) : null;
        if (status == null || status.value() < 400) {
            status = HttpStatus.INTERNAL_SERVER_ERROR;
        }
        Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        ProblemDetail problem = ApiErrors.problem(status, status.getReasonPhrase(), detail(status));
        if (uri instanceof String u && !u.isEmpty()) {
            try {
                problem.setInstance(URI.create(u));
            } catch (IllegalArgumentException e) {
                // a URI the firewall rejected may not be one Java accepts either; the problem stands without it
            }
        }
        return ResponseEntity.status(status)
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem);
    }

    private static String detail(HttpStatus status) {
        return switch (status) {
            case BAD_REQUEST ->
                "The request was rejected: its path has encoded or non-normalised parts (%2e, %2f, //, ..,"
                        + " ;) or characters not allowed. Send plain paths as /api/v1/openapi.yaml lists them.";
            case NOT_FOUND -> "Nothing is served at this path. See /api/v1/openapi.yaml for the API's paths.";
            case METHOD_NOT_ALLOWED -> "This method is not allowed here. See /api/v1/openapi.yaml.";
            default ->
                status.is4xxClientError()
                        ? "The request could not be served (" + status.getReasonPhrase() + ")."
                        : "The server failed to answer; its log says why.";
        };
    }

    /** The firewall's rejection as a 400 through the error page, logged at debug only. */
    @Bean
    static RequestRejectedHandler requestRejectedHandler() {
        return new HttpStatusRequestRejectedHandler();
    }

    @Bean
    static WebServerFactoryCustomizer<TomcatServletWebServerFactory> problemsFromTomcat() {
        return factory -> {
            MimeMappings yaml = new MimeMappings();
            yaml.add("yaml", "application/yaml");
            factory.addMimeMappings(yaml);
            factory.addContextCustomizers(context ->
                    ((StandardHost) context.getParent()).setErrorReportValveClass(ProblemReportValve.class.getName()));
        };
    }
}
