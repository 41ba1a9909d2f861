/**
 * Reading persistent references out of stored ZODB records, exactly as ZODB's {@code referencesf}
 * does; plain Java, no Spring. {@link io.github.relstoragepacker.pickle.ReferenceScanner} is the entry
 * point.
 */
@NullMarked
package io.github.relstoragepacker.pickle;

import org.jspecify.annotations.NullMarked;
