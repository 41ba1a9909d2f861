/**
 * Benchmarks: programs that measure the service from outside, as an operator would run it. Nothing in
 * the service's own packages imports this room; the command line dispatches to it.
 */
@NullMarked
package io.github.relstoragepacker.bench;

import org.jspecify.annotations.NullMarked;
