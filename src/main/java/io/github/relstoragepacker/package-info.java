/** relstorage-packer: continuous garbage collection for RelStorage history-free databases. */
@NullMarked
package io.github.relstoragepacker;

import org.jspecify.annotations.NullMarked;
