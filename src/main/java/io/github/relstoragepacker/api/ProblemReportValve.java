package io.github.relstoragepacker.api;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.jspecify.annotations.Nullable;

/**
 * Tomcat's own error report, for the requests it turns away before Spring sees them (a URI or header
 * too long, characters not allowed in a URI, a path that climbs above the root), written as an RFC
 * 9457 problem instead of Tomcat's HTML page. No exception, message or server version is echoed:
 * the request was the client's mistake, so it says what is accepted instead. Public with a no-argument
 * constructor because Tomcat instantiates its host's error valve by class name.
 */
public class ProblemReportValve extends ErrorReportValve {

    @Override
    protected void report(Request request, Response response, @Nullable Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        String body = "{\"type\":\"about:blank\",\"title\":\"%s\",\"status\":%d,\"detail\":\"%s\"}"
                .formatted(status >= 500 ? "Server error" : "Bad request", status, detail(status));
        try {
            response.setContentType("application/problem+json");
            response.setCharacterEncoding(StandardCharsets.UTF_8.name());
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write(body);
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // the client is gone or the response already began: there is nobody left to tell
        }
    }

    private static String detail(int status) {
        return switch (status) {
            case 400 ->
                "The server could not read this request: its URI or a header is too long (at most 8 KB), or the"
                        + " URI has characters that must be percent-encoded, or a path that leaves the root."
                        + " See /api/v1/openapi.yaml for the API's paths.";
            case 404 -> "Nothing is served at this path. See /api/v1/openapi.yaml for the API's paths.";
            case 413, 431 -> "The request's headers are too large (at most 8 KB); send fewer or shorter headers.";
            case 414 -> "The request URI is too long (at most 8 KB).";
            default -> "The request could not be served (HTTP " + status + ").";
        };
    }
}
