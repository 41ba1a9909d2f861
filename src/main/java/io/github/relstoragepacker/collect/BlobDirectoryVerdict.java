package io.github.relstoragepacker.collect;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * What the last {@link BlobDirectoryCheck} of the configured shared blob directory found.
 *
 * @param directory the configured directory
 * @param trusted whether it proved to be this database's: only then is any file in it removed
 * @param reason what was found, and while not trusted, what to fix
 * @param sampled blob records sampled from the database
 * @param found how many of them have their current revision file in the directory
 * @param checkedAt when the check ran
 * @param took how long it took
 */
public record BlobDirectoryVerdict(
        Path directory, boolean trusted, String reason, int sampled, int found, Instant checkedAt, Duration took) {}
