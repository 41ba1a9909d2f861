package io.github.relstoragepacker.api;

import io.github.relstoragepacker.collect.PackBusyException;
import java.net.URI;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Every error of the API as an RFC 9457 problem detail that names the cause and the fix; Spring's own
 * errors (bad JSON, a failed constraint, a wrong method) come through the base class in the same form.
 */
@RestControllerAdvice
class ApiErrors extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);

    @ExceptionHandler(IllegalArgumentException.class)
    ProblemDetail badRequest(IllegalArgumentException e) {
        return problem(HttpStatus.BAD_REQUEST, "Bad request", e.getMessage());
    }

    @ExceptionHandler(NotFoundException.class)
    ProblemDetail notFound(NotFoundException e) {
        return problem(HttpStatus.NOT_FOUND, "Not found", e.getMessage());
    }

    @ExceptionHandler(IllegalStateException.class)
    ProblemDetail conflict(IllegalStateException e) {
        return problem(HttpStatus.CONFLICT, "Not possible now", e.getMessage());
    }

    @ExceptionHandler(PackBusyException.class)
    ResponseEntity<ProblemDetail> busy(PackBusyException e) {
        ProblemDetail problem = problem(HttpStatus.CONFLICT, "A pack is already under way", e.getMessage());
        URI running = URI.create(PacksController.PATH + "/" + e.runningJob());
        problem.setProperty("job", running.toString());
        return ResponseEntity.status(HttpStatus.CONFLICT)
                .header(HttpHeaders.LOCATION, running.toString())
                .body(problem);
    }

    @ExceptionHandler({DataAccessException.class, SQLException.class})
    ProblemDetail unavailable(Exception e) {
        log.warn("API request failed on the database: {}", e.getMessage());
        return problem(
                HttpStatus.SERVICE_UNAVAILABLE,
                "Database not available",
                "The database could not answer (" + rootMessage(e) + "). Check GET /api/v1/status: the database"
                        + " may be unreachable, or the index not built yet on this database.");
    }

    static ProblemDetail problem(HttpStatus status, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setTitle(title);
        return problem;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return String.valueOf(t.getMessage()).lines().findFirst().orElse("");
    }
}
