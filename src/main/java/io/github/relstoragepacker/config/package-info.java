/**
 * Configuration read from the files operators already keep: a RelStorage ZConfig file (the one
 * {@code zodbpack} or Plone's {@code zope.conf} reads) and the libpq connection string in it,
 * translated to the JDBC settings and blob directory the service uses. Explicit Spring settings
 * always win over what the file says.
 */
@NullMarked
package io.github.relstoragepacker.config;

import org.jspecify.annotations.NullMarked;
