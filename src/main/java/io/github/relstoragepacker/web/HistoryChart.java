package io.github.relstoragepacker.web;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * One series of the recent past as an SVG chart computed on the server: a clock-time x axis over the
 * whole window (gaps stay visible as gaps in time), and a y axis from 0 to a round maximum of this
 * series alone, labelled in its unit, so no series is flattened by another's scale.
 *
 * @param id the element id
 * @param title what is drawn, with its unit
 * @param path the line's SVG path, broken where samples are further apart than {@code gap}, each piece
 *     starting with a dot so that a lone sample shows; empty without samples
 * @param yTicks the y axis' labels
 * @param xTicks the x axis' labels
 */
record HistoryChart(String id, String title, String path, List<Tick> yTicks, List<Tick> xTicks) {

    static final int WIDTH = 600;
    static final int HEIGHT = 150;
    static final int LEFT = 64;
    static final int RIGHT = 570;
    static final int TOP = 10;
    static final int BOTTOM = 128;

    /** A label and where it goes (the x or y coordinate, by axis). */
    record Tick(String label, double at) {}

    enum Unit {
        OBJECTS,
        BYTES,
        PER_SECOND
    }

    static <P> HistoryChart of(
            String id,
            String title,
            Unit unit,
            List<P> samples,
            ToDoubleFunction<P> at,
            ToDoubleFunction<P> value,
            Instant end,
            Duration window,
            Duration gap,
            ZoneId zone) {
        double max = 0;
        for (P p : samples) {
            max = Math.max(max, value.applyAsDouble(p));
        }
        double top = roundUp(max);
        double from = end.minus(window).getEpochSecond();
        double span = window.getSeconds();
        StringBuilder line = new StringBuilder();
        double before = Double.NEGATIVE_INFINITY;
        for (P p : samples) {
            double t = at.applyAsDouble(p);
            double x = LEFT + (t - from) * (RIGHT - LEFT) / span;
            double y = BOTTOM - value.applyAsDouble(p) * (BOTTOM - TOP) / top;
            // no line across a time without samples (the daemon was down): it would invent values;
            // the zero-length segment draws a lone sample as a dot (round caps) instead of nothing
            line.append(String.format(
                    Locale.ROOT, t - before > gap.toSeconds() ? "M%.1f,%.1f l0,0 " : "L%.1f,%.1f ", x, y));
            before = t;
        }
        List<Tick> yTicks = new ArrayList<>();
        for (int i = 0; i <= 4; i++) {
            yTicks.add(new Tick(format(top * i / 4, unit), BOTTOM - (double) i * (BOTTOM - TOP) / 4));
        }
        DateTimeFormatter clock = DateTimeFormatter.ofPattern(
                        window.toHours() > 12 ? "EEE HH:mm" : "HH:mm", Locale.ROOT)
                .withZone(zone);
        List<Tick> xTicks = new ArrayList<>();
        for (int i = 0; i <= 6; i++) {
            Instant t = end.minus(window).plus(window.multipliedBy(i).dividedBy(6));
            xTicks.add(new Tick(clock.format(t), LEFT + (double) i * (RIGHT - LEFT) / 6));
        }
        return new HistoryChart(id, title, line.toString().strip(), yTicks, xTicks);
    }

    /** 1, 2 or 5 times a power of ten, at least {@code max}; 1 for an empty or flat-zero series. */
    static double roundUp(double max) {
        if (max <= 0) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(max)));
        for (double step : new double[] {1, 2, 5, 10}) {
            if (step * magnitude >= max) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    static String format(double value, Unit unit) {
        return switch (unit) {
            case OBJECTS -> compact(value);
            case PER_SECOND -> compact(value) + "/s";
            case BYTES -> bytes(value);
        };
    }

    private static String compact(double v) {
        if (v >= 1e6) {
            return trim(v / 1e6) + "M";
        }
        if (v >= 1e3) {
            return trim(v / 1e3) + "k";
        }
        return trim(v);
    }

    private static String bytes(double v) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return trim(v) + " " + units[u];
    }

    private static String trim(double v) {
        return v == Math.rint(v)
                ? String.valueOf((long) v)
                : String.format(Locale.ROOT, "%.2f", v).replaceAll("0+$", "");
    }
}
