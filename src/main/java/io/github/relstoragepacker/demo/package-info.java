/**
 * Demo and benchmark tooling; plain Java and JDBC, no Spring. {@link
 * io.github.relstoragepacker.demo.PloneSiteGenerator} writes a Plone-shaped history-free RelStorage
 * database of any size, with known garbage, in real ZODB record format ({@link
 * io.github.relstoragepacker.demo.ZodbPickler}). The demo that runs the service on such a database in an
 * embedded PostgreSQL ({@code DemoApplication}, {@code ./mvnw -B spring-boot:test-run}) lives in the test
 * sources, beside the PostgreSQL binaries it needs, so that neither reaches the jar.
 */
@NullMarked
package io.github.relstoragepacker.demo;

import org.jspecify.annotations.NullMarked;
