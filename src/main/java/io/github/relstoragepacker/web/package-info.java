/**
 * The status page at {@code /}: one server-rendered page (Thymeleaf, no front-end build) with the
 * phase, lag, garbage, locks, recent packs, a chart of the recent past and a "Pack now" form that goes
 * through the same authenticated API as every other client.
 */
@NullMarked
package io.github.relstoragepacker.web;

import org.jspecify.annotations.NullMarked;
