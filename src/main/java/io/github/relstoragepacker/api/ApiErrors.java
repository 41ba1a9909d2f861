package io.github.relstoragepacker.api;

import io.github.relstoragepacker.collect.PackBusyException;
import java.net.URI;
import java.sql.SQLException;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.servlet.resource.NoResourceFoundException;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.exc.InvalidFormatException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * Every error of the API as an RFC 9457 problem detail that names the cause and the fix; Spring's own
 * errors (bad JSON, a failed constraint, a wrong method) come through the base class in the same form.
 * A 400 names the field or parameter, the value sent and what is accepted, so that a caller can fix
 * the request without reading the source; client errors are not logged, they are the caller's.
 */
@RestControllerAdvice
class ApiErrors extends ResponseEntityExceptionHandler {

    /** The message of an integer parameter's {@code @Range}: what {@link #invalid} appends to name and value. */
    static final String INTEGER_RANGE = "is out of range, use an integer from {min} to {max}";

    private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);

    @ExceptionHandler(IllegalArgumentException.class)
    ProblemDetail badRequest(IllegalArgumentException e) {
        return problem(HttpStatus.BAD_REQUEST, "Bad request", e.getMessage());
    }

    @ExceptionHandler(DatabaseRefusedException.class)
    ProblemDetail refused(DatabaseRefusedException e) {
        return problem(HttpStatus.CONFLICT, "Database refused", e.getMessage());
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

    @Override
    protected @Nullable ResponseEntity<Object> handleHttpMessageNotReadable(
            HttpMessageNotReadableException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        return badRequest(unreadable(ex), headers);
    }

    @Override
    protected @Nullable ResponseEntity<Object> handleMethodArgumentNotValid(
            MethodArgumentNotValidException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String detail = ex.getBindingResult().getFieldErrors().stream()
                .map(f -> invalid(f.getField(), f.getRejectedValue(), f.getDefaultMessage()))
                .collect(Collectors.joining("; "));
        return badRequest(detail.isEmpty() ? "the request body is not valid: " + ex.getMessage() : detail, headers);
    }

    @Override
    protected @Nullable ResponseEntity<Object> handleHandlerMethodValidationException(
            HandlerMethodValidationException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String detail = ex.getParameterValidationResults().stream()
                .flatMap(r -> r.getResolvableErrors().stream()
                        .map(e -> invalid(
                                r.getMethodParameter().getParameterName(), r.getArgument(), e.getDefaultMessage())))
                .collect(Collectors.joining("; "));
        return badRequest(detail, headers);
    }

    @Override
    protected @Nullable ResponseEntity<Object> handleTypeMismatch(
            TypeMismatchException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String name = ex instanceof MethodArgumentTypeMismatchException m ? m.getName() : ex.getPropertyName();
        Class<?> type = ex.getRequiredType();
        return badRequest(
                "%s: '%s' is not %s".formatted(name, ex.getValue(), type == null ? "valid" : expected(type)), headers);
    }

    @Override
    protected @Nullable ResponseEntity<Object> handleNoResourceFoundException(
            NoResourceFoundException ex, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        return ResponseEntity.status(HttpStatus.NOT_FOUND)
                .headers(headers)
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem(
                        HttpStatus.NOT_FOUND,
                        "Not found",
                        "Nothing is served at /" + ex.getResourcePath()
                                + ". See /api/v1/openapi.yaml for the API's paths."));
    }

    private ResponseEntity<Object> badRequest(String detail, HttpHeaders headers) {
        return ResponseEntity.badRequest()
                .headers(headers)
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem(HttpStatus.BAD_REQUEST, "Bad request", detail));
    }

    private static String invalid(@Nullable String name, @Nullable Object value, @Nullable String constraint) {
        // a whole double prints as the caller wrote it (-1, not -1.0)
        Object shown =
                value instanceof Double d && d == Math.rint(d) && !d.isInfinite() ? (Object) d.longValue() : value;
        return "%s: %s %s".formatted(name, shown, constraint);
    }

    /** Names the field Jackson stopped at and why, from the exception Spring wrapped. */
    private static String unreadable(HttpMessageNotReadableException ex) {
        Throwable cause = ex.getMostSpecificCause();
        if (!(cause instanceof JacksonException json)) {
            return "the request body is missing or not JSON; send a JSON object, e.g. {\"days\": 1}";
        }
        String field = json.getPath().stream()
                .map(r -> r.getPropertyName() != null ? r.getPropertyName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining("."));
        if (json instanceof UnrecognizedPropertyException unknown) {
            return "%s: unknown field; the accepted fields are %s"
                    .formatted(unknown.getPropertyName(), unknown.getKnownPropertyIds());
        }
        if (json instanceof InvalidFormatException format) {
            return "%s: %s is not %s".formatted(field, quoted(format.getValue()), expected(format.getTargetType()));
        }
        if (json instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null && !field.isEmpty()) {
            return "%s: a JSON %s is not %s (strings are not converted)"
                    .formatted(field, token(mismatch), expected(mismatch.getTargetType()));
        }
        String message = json.getOriginalMessage();
        if (message.startsWith("Duplicate Object property")) {
            return message.replaceFirst("Duplicate Object property \"(.*)\"", "$1: given twice; give each field once");
        }
        return (field.isEmpty() ? "" : field + ": ") + "the request body is not valid JSON (" + message + ")";
    }

    private static String token(MismatchedInputException e) {
        return e.getCurrentToken() == null
                ? "value"
                : switch (e.getCurrentToken()) {
                    case VALUE_STRING -> "string";
                    case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number";
                    case VALUE_TRUE, VALUE_FALSE -> "boolean";
                    case START_ARRAY -> "array";
                    case START_OBJECT -> "object";
                    default -> "value";
                };
    }

    private static String quoted(@Nullable Object value) {
        return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
    }

    private static String expected(Class<?> type) {
        if (type == Double.class || type == double.class || type == Float.class || type == float.class) {
            return "a number (send it unquoted, e.g. 1.5)";
        }
        if (Number.class.isAssignableFrom(type) || (type.isPrimitive() && type != boolean.class)) {
            return "an integer (send it unquoted, e.g. 20)";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "a boolean (true or false, unquoted)";
        }
        if (type == String.class) {
            return "a string";
        }
        return "a valid " + type.getSimpleName();
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
