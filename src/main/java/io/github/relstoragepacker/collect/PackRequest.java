package io.github.relstoragepacker.collect;

import java.time.Duration;
import java.util.Locale;

/**
 * What an operator asks of one pack.
 *
 * @param grace objects unreachable for less than this are kept (zodbpack's {@code --days}, as a duration)
 * @param dryRun analyse and report what would go, delete nothing
 * @param includeCycles mark from the root and collect cycles too; false only drains unreferenced objects
 * @param objectTidForUnknownHistory judge garbage whose unreachable time the index cannot know (it was
 *     garbage before the index was built) by its own tid, as zodbpack does: a weaker guarantee, see
 *     {@link Eligibility}
 */
public record PackRequest(Duration grace, boolean dryRun, boolean includeCycles, boolean objectTidForUnknownHistory) {

    public PackRequest {
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace must not be negative: " + grace);
        }
    }

    /** The grace of zodbpack's {@code --days}: days of 24 hours, fractions to the millisecond. */
    public static Duration graceOfDays(double days) {
        return Duration.ofMillis(Math.round(days * Duration.ofDays(1).toMillis()));
    }

    /** As the log names it: {@code grace 26h3m, cycles included, dry run}. */
    @Override
    public String toString() {
        return "grace " + grace.toString().substring(2).toLowerCase(Locale.ROOT)
                + (includeCycles ? ", cycles included" : ", unreferenced objects only")
                + (dryRun ? ", dry run" : "")
                + (objectTidForUnknownHistory ? ", unknown history judged by the object's own tid" : "");
    }

    CollectionKind kind() {
        return includeCycles || dryRun ? CollectionKind.CYCLES : CollectionKind.DRAIN;
    }
}
