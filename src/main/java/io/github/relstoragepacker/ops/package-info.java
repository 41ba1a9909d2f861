/**
 * Operating the daemon: the status every interface shows (HTTP, Actuator, command line, status page),
 * health for Kubernetes' probes, the {@code packer} Actuator endpoint with lock holders, and the
 * recent history behind the status page's chart.
 */
@NullMarked
package io.github.relstoragepacker.ops;

import org.jspecify.annotations.NullMarked;
