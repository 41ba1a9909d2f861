package io.github.relstoragepacker.api;

import java.nio.file.Path;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who may use the HTTP API. Everything that changes state needs a credential; with none configured,
 * those endpoints are disabled. There is no built-in default credential.
 *
 * @param token bearer token accepted in {@code Authorization: Bearer ...}; prefer {@code token-file}
 *     or the environment ({@code PACKER_API_TOKEN}) over a file in the image
 * @param tokenFile file holding the bearer token (a mounted Kubernetes secret), read at startup;
 *     surrounding whitespace is ignored
 * @param username user name for HTTP basic authentication (with {@code password})
 * @param password password for HTTP basic authentication
 * @param publicStatus let anonymous clients read (status, packs, objects, statistics); changing
 *     anything still needs a credential
 */
@ConfigurationProperties("packer.api")
public record ApiProperties(
        @Nullable String token,
        @Nullable Path tokenFile,
        @Nullable String username,
        @Nullable String password,
        @DefaultValue("false") boolean publicStatus) {

    @Override
    public String toString() {
        return "ApiProperties[token=" + (token == null ? "unset" : "******") + ", tokenFile=" + tokenFile
                + ", username=" + username + ", password=" + (password == null ? "unset" : "******")
                + ", publicStatus=" + publicStatus + "]";
    }
}
