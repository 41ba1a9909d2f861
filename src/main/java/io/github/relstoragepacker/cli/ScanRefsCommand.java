package io.github.relstoragepacker.cli;

import io.github.relstoragepacker.pickle.ReferenceScanner;
import io.github.relstoragepacker.pickle.UnreadableRecordException;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * {@code scan-refs FILE}: prints the strong references of hex-encoded {@code object_state.state}
 * records, one input line per output line, exactly as ZODB's {@code referencesf} lists them.
 *
 * <p>Input: one record per line as hexadecimal (an empty line is an empty state); {@code -} reads
 * standard input. Output: the oids in decimal separated by single spaces, an empty line for a
 * record without strong references, or {@code ERROR <reason>} for a record that cannot be read. Every
 * line is answered, so one bad record never hides the others; the exit code is 1 if any was bad.
 */
final class ScanRefsCommand {

    static final String NAME = "scan-refs";
    static final String USAGE = "usage: java -jar relstorage-packer.jar scan-refs FILE"
            + "  (FILE: one hex-encoded object_state.state per line, or - for standard input)";

    private final PrintStream out;
    private final PrintStream err;
    private final ReferenceScanner scanner = new ReferenceScanner();

    ScanRefsCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(String[] args) {
        if (args.length != 2) {
            err.println(USAGE);
            return CommandLine.USAGE;
        }
        try (BufferedReader in = open(args[1])) {
            Writer writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), 1 << 16);
            boolean allRead = scanLines(in, writer);
            writer.flush();
            return allRead ? CommandLine.OK : CommandLine.FAILED;
        } catch (NoSuchFileException e) {
            err.println("scan-refs: no such file: " + args[1]);
            return CommandLine.USAGE;
        } catch (IOException e) {
            err.println("scan-refs: cannot read " + args[1] + ": " + e);
            return CommandLine.FAILED;
        }
    }

    private static BufferedReader open(String file) throws IOException {
        if (file.equals("-")) {
            return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII), 1 << 16);
        }
        return Files.newBufferedReader(Path.of(file), StandardCharsets.US_ASCII);
    }

    private boolean scanLines(BufferedReader in, Writer writer) throws IOException {
        boolean allRead = true;
        StringBuilder line = new StringBuilder();
        for (String hex = in.readLine(); hex != null; hex = in.readLine()) {
            line.setLength(0);
            try {
                long[] oids = scanner.scan(decodeHex(hex.strip())).strong();
                for (int i = 0; i < oids.length; i++) {
                    if (i > 0) {
                        line.append(' ');
                    }
                    line.append(Long.toUnsignedString(oids[i]));
                }
            } catch (UnreadableRecordException | IllegalArgumentException e) {
                allRead = false;
                line.append("ERROR ").append(e.getMessage());
            }
            writer.append(line).append('\n');
        }
        return allRead;
    }

    private static byte[] decodeHex(String hex) {
        try {
            return HexFormat.of().parseHex(hex);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("line is not hexadecimal: " + e.getMessage(), e);
        }
    }
}
