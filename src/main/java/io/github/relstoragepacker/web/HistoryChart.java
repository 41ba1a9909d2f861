package io.github.relstoragepacker.web;

import io.github.relstoragepacker.ops.GarbageHistory;
import java.util.List;
import java.util.Locale;

/**
 * The recent past as two SVG polylines, computed on the server: garbage pending and objects deleted
 * per interval, each scaled to its own maximum.
 *
 * @param garbage the pending line's points attribute
 * @param deletions the deletion line's points attribute
 * @param garbageMax the largest pending count shown
 * @param deletionsMax the most deletions in one interval
 * @param points how many samples
 */
record HistoryChart(String garbage, String deletions, long garbageMax, long deletionsMax, int points) {

    static final int WIDTH = 600;
    static final int HEIGHT = 120;

    static HistoryChart of(List<GarbageHistory.Point> history) {
        int n = history.size();
        long[] pending = new long[n];
        long[] deleted = new long[n];
        for (int i = 0; i < n; i++) {
            GarbageHistory.Point p = history.get(i);
            pending[i] = p.pending();
            deleted[i] = i == 0
                    ? 0
                    : Math.max(0, Math.round(p.deleted() - history.get(i - 1).deleted()));
        }
        long pendingMax = max(pending);
        long deletedMax = max(deleted);
        return new HistoryChart(line(pending, pendingMax), line(deleted, deletedMax), pendingMax, deletedMax, n);
    }

    private static long max(long[] values) {
        long max = 0;
        for (long v : values) {
            max = Math.max(max, v);
        }
        return max;
    }

    private static String line(long[] values, long max) {
        StringBuilder points = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            double x = values.length == 1 ? WIDTH : (double) i * WIDTH / (values.length - 1);
            double y = HEIGHT - (max == 0 ? 0 : (double) values[i] * (HEIGHT - 4) / max) - 2;
            points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
        }
        return points.toString().strip();
    }
}
