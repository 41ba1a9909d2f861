/**
 * The target database: RelStorage's history-free schema on PostgreSQL, as RelStorage writes it.
 *
 * <p>{@link io.github.relstoragepacker.relstorage.DatabaseProbe} recognises the database and its
 * generation before anything reads or writes it; {@link io.github.relstoragepacker.relstorage.Tids}
 * converts transaction ids to time and back.
 */
@NullMarked
package io.github.relstoragepacker.relstorage;

import org.jspecify.annotations.NullMarked;
