/** The jar's command line: commands for scripts and cron, beside the service. */
@NullMarked
package io.github.relstoragepacker.cli;

import org.jspecify.annotations.NullMarked;
