/**
 * Demo and benchmark tooling; plain Java and JDBC, no Spring. {@link
 * io.github.relstoragepacker.demo.PloneSiteGenerator} writes a Plone-shaped history-free RelStorage
 * database of any size, with known garbage, in real ZODB record format ({@link
 * io.github.relstoragepacker.demo.ZodbPickler}).
 */
@NullMarked
package io.github.relstoragepacker.demo;

import org.jspecify.annotations.NullMarked;
