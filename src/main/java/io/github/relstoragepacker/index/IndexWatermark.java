package io.github.relstoragepacker.index;

/**
 * The index's watermark as seen under RelStorage's commit lock ({@link IndexMaintainer#watermark}).
 *
 * @param tid every commit up to this tid is in the index
 * @param behind whether commits above it are waiting to be read
 */
public record IndexWatermark(long tid, boolean behind) {}
