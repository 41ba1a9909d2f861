package io.github.relstoragepacker.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import org.jspecify.annotations.Nullable;

/**
 * The credentials the API accepts, resolved once at startup from {@link ApiProperties}. Comparisons
 * take constant time, so a wrong guess reveals nothing of the secret through timing.
 */
final class Credentials {

    private final byte @Nullable [] token;
    private final @Nullable String username;
    private final byte @Nullable [] password;

    private Credentials(byte @Nullable [] token, @Nullable String username, byte @Nullable [] password) {
        this.token = token;
        this.username = username;
        this.password = password;
    }

    static Credentials from(ApiProperties properties) {
        String token = blankToNull(properties.token());
        if (properties.tokenFile() != null) {
            if (token != null) {
                throw new IllegalStateException(
                        "packer.api.token and packer.api.token-file are both set; keep one of them");
            }
            try {
                token = blankToNull(Files.readString(properties.tokenFile()).strip());
            } catch (IOException e) {
                throw new IllegalStateException(
                        "packer.api.token-file: cannot read " + properties.tokenFile() + " (" + e
                                + "); mount the secret there or unset the property",
                        e);
            }
            if (token == null) {
                throw new IllegalStateException("packer.api.token-file: " + properties.tokenFile()
                        + " is empty; put the token in it or unset the property");
            }
        }
        String username = blankToNull(properties.username());
        String password = blankToNull(properties.password());
        if ((username == null) != (password == null)) {
            throw new IllegalStateException("packer.api.username and packer.api.password must be set together");
        }
        return new Credentials(bytes(token), username, bytes(password));
    }

    boolean any() {
        return token != null || username != null;
    }

    boolean basic() {
        return username != null;
    }

    boolean tokenMatches(String candidate) {
        return token != null && MessageDigest.isEqual(token, candidate.getBytes(StandardCharsets.UTF_8));
    }

    boolean basicMatches(String user, String secret) {
        // both compared, whatever the first says, so the time does not tell which one was wrong
        boolean userOk = username != null
                && MessageDigest.isEqual(
                        username.getBytes(StandardCharsets.UTF_8), user.getBytes(StandardCharsets.UTF_8));
        boolean passwordOk =
                password != null && MessageDigest.isEqual(password, secret.getBytes(StandardCharsets.UTF_8));
        return userOk & passwordOk;
    }

    private static @Nullable String blankToNull(@Nullable String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static byte @Nullable [] bytes(@Nullable String value) {
        return value == null ? null : value.getBytes(StandardCharsets.UTF_8);
    }
}
