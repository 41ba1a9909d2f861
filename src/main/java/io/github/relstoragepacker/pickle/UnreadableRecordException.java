package io.github.relstoragepacker.pickle;

/**
 * A record whose references cannot be known: truncated, malformed, or using a form ZODB never writes.
 * Such a record must never be taken for one without references; whoever holds it keeps its object
 * and everything it might reference.
 */
public final class UnreadableRecordException extends Exception {

    private final int offset;
    private final int opcode;

    UnreadableRecordException(String reason, int offset, int opcode) {
        super(describe(reason, offset, opcode));
        this.offset = offset;
        this.opcode = opcode;
    }

    UnreadableRecordException(String reason, Throwable cause) {
        super(reason + ": " + cause.getMessage(), cause);
        this.offset = 0;
        this.opcode = -1;
    }

    /** Byte offset of the offending opcode in the (decompressed) pickle data. */
    public int offset() {
        return offset;
    }

    /** The offending opcode byte (0 to 255), or -1 when the failure is not an opcode's (zlib, end of data). */
    public int opcode() {
        return opcode;
    }

    private static String describe(String reason, int offset, int opcode) {
        if (opcode < 0) {
            return reason + " (at offset " + offset + ")";
        }
        return "%s (opcode %s at offset %d)".formatted(reason, Opcodes.describe(opcode), offset);
    }
}
