/**
 * The reference index, in schema {@code packer} beside RelStorage's tables.
 *
 * <h2>Data model</h2>
 *
 * <ul>
 *   <li>{@code object(zoid, tid, state_size, class_id, refs bigint[])}: one row per object, with the
 *       distinct strong references read from the state of {@code tid}. Forward references live in the
 *       row, so replacing an object's references needs no index on the referrer.
 *   <li>{@code ref(to_zoid, from_zoid)}, primary key in that order: the inverse edges. "Is X
 *       referenced?" is one index probe, "who references X?" one range scan, and "which objects have
 *       no referrer?" one anti-join. Each edge is its own row, so a popular target (a catalog referenced
 *       by millions) is never one hot row rewritten by every change.
 *   <li>{@code unreferenced(zoid, since_tid)}: every indexed object but the root without a strong
 *       referrer, and since when; the collector's work list.
 *   <li>{@code quarantine}: states that cannot be read, with the scanner's reason; their references are
 *       unknown, so collection waits for them.
 *   <li>{@code class}, {@code progress} (phase and watermark), {@code build_range} (resumable build).
 * </ul>
 *
 * Every change to these tables is made in the same transaction as the watermark or build mark it
 * belongs to, so after a crash the index is exactly as of its watermark and the next poll or build
 * step continues from there.
 */
@NullMarked
package io.github.relstoragepacker.index;

import org.jspecify.annotations.NullMarked;
