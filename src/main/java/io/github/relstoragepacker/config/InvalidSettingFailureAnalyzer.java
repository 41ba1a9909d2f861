package io.github.relstoragepacker.config;

import java.util.List;
import java.util.Optional;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.validation.FieldError;

/**
 * Turns a setting that stops the start into Spring Boot's "APPLICATION FAILED TO START" block naming
 * the setting, the value given, where it was set and a valid example: unknown settings ({@link
 * UnknownSettingsCheck}), values of the wrong type ({@code grace=abc}) and values out of range ({@code
 * max-fence-hold=0ms}). Ahead of Spring Boot's own analyzers, whose text names neither the example nor
 * the range.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
class InvalidSettingFailureAnalyzer implements FailureAnalyzer {

    @Override
    public FailureAnalysis analyze(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof InvalidSettingException invalid) {
                return new FailureAnalysis(invalid.getMessage(), invalid.fix(), invalid);
            }
            if (t instanceof BindException bind && bind.getName().toString().startsWith("packer")) {
                return analyze(bind);
            }
        }
        return null;
    }

    private static FailureAnalysis analyze(BindException bind) {
        KnownSettings known = KnownSettings.load(InvalidSettingFailureAnalyzer.class.getClassLoader());
        if (bind.getCause() instanceof BindValidationException validation) {
            List<String> errors = validation.getValidationErrors().getAllErrors().stream()
                    .map(error -> error instanceof FieldError field
                            ? outOfRange(known, bind.getName(), field, validation)
                            : error.getDefaultMessage())
                    .toList();
            return new FailureAnalysis(
                    "Invalid setting" + (errors.size() > 1 ? "s" : "") + ":\n\n    " + String.join("\n    ", errors),
                    "Change the setting to a value in the range given; its default is in application.yml.",
                    bind);
        }
        ConfigurationProperty property = bind.getProperty();
        String name = property == null
                ? bind.getName().toString()
                : property.getName().toString();
        String value = property == null ? "" : String.valueOf(KnownSettings.written(property));
        String example = known.find(ConfigurationPropertyName.of(name))
                .map(KnownSettings.Setting::example)
                .orElse("a valid value");
        return new FailureAnalysis(
                "Invalid setting: %s=%s%s is not %s.".formatted(name, value, origin(property), example),
                "Set %s to %s (see application.yml for its default and meaning).".formatted(name, example),
                bind);
    }

    private static String outOfRange(
            KnownSettings known,
            ConfigurationPropertyName group,
            FieldError field,
            BindValidationException validation) {
        ConfigurationPropertyName name = group.append(ConfigurationPropertyName.adapt(field.getField(), '.'));
        String setting = known.find(name).map(KnownSettings.Setting::name).orElse(name.toString());
        Optional<ConfigurationProperty> property = validation.getValidationErrors().getBoundProperties().stream()
                .filter(p -> p.getName().equals(name))
                .findFirst();
        return "%s=%s%s is out of range: it %s"
                .formatted(
                        setting,
                        property.map(KnownSettings::written).orElse(field.getRejectedValue()),
                        property.map(InvalidSettingFailureAnalyzer::origin).orElse(""),
                        field.getDefaultMessage());
    }

    private static String origin(ConfigurationProperty property) {
        return property == null ? "" : KnownSettings.where(property.getOrigin());
    }
}
