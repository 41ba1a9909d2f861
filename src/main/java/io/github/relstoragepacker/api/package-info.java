/**
 * The HTTP API under {@code /api/v1} (JSON, RFC 9457 problems, described by {@code
 * /api/v1/openapi.yaml}) and who may use it: reading needs a credential unless opened by
 * configuration, changing anything always does, and with no credential configured the control
 * endpoints are disabled.
 */
@NullMarked
package io.github.relstoragepacker.api;

import org.jspecify.annotations.NullMarked;
