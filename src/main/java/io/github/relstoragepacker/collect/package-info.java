/**
 * Collection: deleting garbage from RelStorage's {@code object_state} in short batches under
 * RelStorage's own locks, as {@link io.github.relstoragepacker.collect.Collector} explains.
 */
@NullMarked
package io.github.relstoragepacker.collect;

import org.jspecify.annotations.NullMarked;
