package io.github.relstoragepacker.api;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates API requests by bearer token or HTTP basic, against {@link Credentials}; a request
 * with a wrong credential is answered 401 at once rather than treated as anonymous.
 *
 * <p>CSRF: there are no sessions and no cookies, so only a credential the browser adds by itself (HTTP
 * basic) could be abused by another site. A cross-site form can only send {@code POST} with a form or
 * plain-text body; anything else needs a CORS preflight, which this service never grants. So a
 * basic-authenticated {@code POST} must carry {@code Content-Type: application/json}. Bearer tokens
 * are never added by a browser and need no such rule.
 */
final class CredentialFilter extends OncePerRequestFilter {

    static final String OPERATOR = "ROLE_OPERATOR";

    private final Credentials credentials;
    private final Problems problems;

    CredentialFilter(Credentials credentials, Problems problems) {
        this.credentials = credentials;
        this.problems = problems;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader("Authorization");
        if (header == null) {
            chain.doFilter(request, response);
            return;
        }
        String user = null;
        boolean basic = false;
        if (header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            user = credentials.tokenMatches(header.substring(7).strip()) ? "token" : null;
        } else if (header.regionMatches(true, 0, "Basic ", 0, 6)) {
            basic = true;
            user = basicUser(header.substring(6).strip());
        }
        if (user == null) {
            problems.write(
                    request,
                    response,
                    HttpStatus.UNAUTHORIZED,
                    "Wrong credentials",
                    "The Authorization header does not hold a valid bearer token or user and password. Use the"
                            + " token of packer.api.token (or token-file), or packer.api.username and password.");
            return;
        }
        if (basic && request.getMethod().equals("POST") && !isJson(request.getContentType())) {
            problems.write(
                    request,
                    response,
                    HttpStatus.FORBIDDEN,
                    "JSON required",
                    "A POST authenticated with HTTP basic must send Content-Type: application/json (protection"
                            + " against cross-site requests); send a JSON body, even {}.");
            return;
        }
        SecurityContextHolder.getContext()
                .setAuthentication(UsernamePasswordAuthenticationToken.authenticated(
                        user, null, List.of(new SimpleGrantedAuthority(OPERATOR))));
        try {
            chain.doFilter(request, response);
        } finally {
            SecurityContextHolder.clearContext();
        }
    }

    private String basicUser(String encoded) {
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return null;
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return null;
        }
        String name = decoded.substring(0, colon);
        return credentials.basicMatches(name, decoded.substring(colon + 1)) ? name : null;
    }

    private static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        try {
            MediaType type = MediaType.parseMediaType(contentType.toLowerCase(Locale.ROOT));
            return type.isCompatibleWith(MediaType.APPLICATION_JSON);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
