package io.github.relstoragepacker.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.origin.Origin;
import org.springframework.boot.origin.PropertySourceOrigin;
import org.springframework.core.Ordered;
import org.springframework.core.convert.ConversionFailedException;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.FieldError;
import org.springframework.validation.ObjectError;

/**
 * Reports a setting whose value cannot be used as the property, the value given, where it was given
 * and a value that would work: an example of the type's syntax when the value cannot be converted
 * ({@code 24h} for a duration, the constants of an enum), the allowed range when it breaks a
 * constraint. It runs before Spring Boot's own analyzers, whose text names neither.
 */
class InvalidSettingFailureAnalyzer extends AbstractFailureAnalyzer<BindException> implements Ordered {

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    protected @Nullable FailureAnalysis analyze(Throwable rootFailure, BindException cause) {
        BindValidationException validation = findCause(cause, BindValidationException.class);
        String description = validation != null ? constraints(validation) : conversion(cause);
        if (description == null) {
            return null;
        }
        return new FailureAnalysis(
                description,
                "Give a valid value (README.md, section \"Configuration\", and application.yml describe every setting).",
                cause);
    }

    private static String constraints(BindValidationException validation) {
        StringBuilder text = new StringBuilder("Invalid setting(s):\n");
        String prefix = validation.getValidationErrors().getName().toString();
        for (ObjectError error : validation.getValidationErrors().getAllErrors()) {
            if (error instanceof FieldError field) {
                Origin origin = Origin.from(field);
                text.append("%n    %s.%s=%s is out of range: it %s%s"
                        .formatted(
                                prefix,
                                dashed(field.getField()),
                                given(origin, field.getRejectedValue()),
                                error.getDefaultMessage(),
                                where(origin)));
            } else {
                text.append("%n    %s: %s".formatted(prefix, error.getDefaultMessage()));
            }
        }
        return text.toString();
    }

    private @Nullable String conversion(BindException cause) {
        ConfigurationProperty property = cause.getProperty();
        if (property == null) {
            return null;
        }
        ConversionFailedException failed = findCause(cause, ConversionFailedException.class);
        Class<?> type = failed != null
                ? failed.getTargetType().getType()
                : cause.getTarget().getType().resolve(Object.class);
        return "Invalid setting:%n%n    %s=%s %s%s"
                .formatted(property.getName(), property.getValue(), expected(type), where(property.getOrigin()));
    }

    private static String expected(Class<?> type) {
        if (type == Duration.class) {
            return "is not a duration: use e.g. 24h, 30m, 90s, 200ms or PT24H";
        }
        if (type == DataSize.class) {
            return "is not a data size: use e.g. 512KB, 10MB or 1GB";
        }
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            return "is not a whole number: use e.g. 1000";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "is not a boolean: use true or false";
        }
        if (type.isEnum()) {
            return "is not one of "
                    + Arrays.stream(type.getEnumConstants())
                            .map(c -> ((Enum<?>) c)
                                    .name()
                                    .toLowerCase(Locale.ROOT)
                                    .replace('_', '-'))
                            .collect(Collectors.joining(", "));
        }
        return "cannot be read as a " + type.getSimpleName();
    }

    // The rejected value is the converted one (PT-1H); the user recognises what they typed (-1h).
    private static @Nullable Object given(@Nullable Origin origin, @Nullable Object rejected) {
        if (origin instanceof PropertySourceOrigin source) {
            Object value = source.getPropertySource().getProperty(source.getPropertyName());
            return value != null ? value : rejected;
        }
        return rejected;
    }

    private static String where(@Nullable Origin origin) {
        return origin == null ? "" : "%n      (from %s)".formatted(SettingOrigins.describe(origin));
    }

    private static String dashed(String field) {
        return field.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }
}
