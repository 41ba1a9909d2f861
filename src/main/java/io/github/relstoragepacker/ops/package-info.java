/** Operating the daemon: Actuator health and, later, metrics and status endpoints. */
@NullMarked
package io.github.relstoragepacker.ops;

import org.jspecify.annotations.NullMarked;
