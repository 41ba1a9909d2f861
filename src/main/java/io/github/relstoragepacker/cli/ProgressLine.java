package io.github.relstoragepacker.cli;

import java.io.PrintStream;

/**
 * Shows progress: on a terminal, one line redrawn in place with a bar; otherwise (cron, a pipe, a
 * log file) a plain line at most every {@code plainEveryMillis}, so logs stay readable.
 */
final class ProgressLine {

    private static final int WIDTH = 30;

    private final PrintStream out;
    private final boolean terminal;
    private final long plainEveryMillis;
    private long lastPlain;
    private boolean drawn;

    ProgressLine(PrintStream out, boolean terminal, long plainEveryMillis) {
        this.out = out;
        this.terminal = terminal;
        this.plainEveryMillis = plainEveryMillis;
    }

    /** Shows {@code text}, with a bar when {@code fraction} is between 0 and 1. */
    void show(String text, double fraction) {
        if (terminal) {
            String bar = fraction >= 0 && fraction <= 1 ? bar(fraction) + " " : "";
            out.print("\r\033[2K" + bar + text);
            out.flush();
            drawn = true;
        } else if (System.currentTimeMillis() - lastPlain >= plainEveryMillis) {
            out.println(text);
            lastPlain = System.currentTimeMillis();
        }
    }

    /** Ends the redrawn line, so what follows starts on a line of its own. */
    void done() {
        if (drawn) {
            out.println();
            drawn = false;
        }
    }

    static String bar(double fraction) {
        int filled = (int) Math.round(Math.max(0, Math.min(1, fraction)) * WIDTH);
        return "[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " + Math.round(fraction * 100) + "%";
    }
}
