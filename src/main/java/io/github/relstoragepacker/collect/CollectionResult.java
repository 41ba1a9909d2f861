package io.github.relstoragepacker.collect;

import io.github.relstoragepacker.index.ClassTotal;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a collection run did, or why it did nothing.
 *
 * @param kind drain or cycles
 * @param outcome how the run ended
 * @param objects objects deleted (or, for a dry run, that would be)
 * @param bytes their state bytes
 * @param largeObjects blob large objects unlinked with them
 * @param blobFiles blob files removed from the shared blob directory
 * @param classes objects and state bytes per class deleted (or, for a dry run, that would be), most
 *     objects first
 * @param message for a run that did not complete, why, and what to do
 * @param housekeeping after a pack, what the walk of the shared blob directory did (stale blob
 *     revisions of live objects), empty when there was none
 */
public record CollectionResult(
        CollectionKind kind,
        Outcome outcome,
        long objects,
        long bytes,
        long largeObjects,
        long blobFiles,
        Map<String, ClassTotal> classes,
        String message,
        String housekeeping) {

    /** How a run ended. */
    public enum Outcome {
        COMPLETED,
        DRY_RUN,
        PACK_LOCK_BUSY,
        /** Another packer instance holds the leader lock: it is the one that may collect. */
        INSTANCE_BUSY,
        ON_HOLD,
        FENCE_BUSY,
        CANCELLED,
        /** Ended at a batch boundary for another reason than an operator's cancel (the message says which). */
        STOPPED,
        REFUSED
    }

    /** The same result, with {@code note} added to its message. */
    CollectionResult withNote(String note) {
        return new CollectionResult(
                kind,
                outcome,
                objects,
                bytes,
                largeObjects,
                blobFiles,
                classes,
                message.isEmpty() ? note : message + " " + note,
                housekeeping);
    }

    /** The same result, with what the blob directory's housekeeping walk did after it. */
    CollectionResult withHousekeeping(String summary) {
        return new CollectionResult(kind, outcome, objects, bytes, largeObjects, blobFiles, classes, message, summary);
    }

    static CollectionResult refused(CollectionKind kind, String why) {
        return new CollectionResult(kind, Outcome.REFUSED, 0, 0, 0, 0, Map.of(), why, "");
    }

    static CollectionResult instanceBusy(CollectionKind kind) {
        return new CollectionResult(
                kind,
                Outcome.INSTANCE_BUSY,
                0,
                0,
                0,
                0,
                Map.of(),
                "another relstorage-packer instance is the active one (it holds the leader lock): pack through it,"
                        + " or try again when it has stopped.",
                "");
    }

    static CollectionResult onHold(CollectionKind kind, String why) {
        return new CollectionResult(kind, Outcome.ON_HOLD, 0, 0, 0, 0, Map.of(), why, "");
    }

    static CollectionResult packLockBusy(CollectionKind kind, long key) {
        return new CollectionResult(
                kind,
                Outcome.PACK_LOCK_BUSY,
                0,
                0,
                0,
                0,
                Map.of(),
                "RelStorage's pack lock (advisory key " + key + ") is held by another session: zodbpack or another"
                        + " packer is running. Try again when it has finished.",
                "");
    }

    static CollectionResult dryRun(CollectionKind kind, Map<String, ClassTotal> classes) {
        long objects = classes.values().stream().mapToLong(ClassTotal::objects).sum();
        long bytes = classes.values().stream().mapToLong(ClassTotal::bytes).sum();
        return new CollectionResult(kind, Outcome.DRY_RUN, objects, bytes, 0, 0, largestFirst(classes), "", "");
    }

    static Builder builder(CollectionKind kind) {
        return new Builder(kind);
    }

    /** {@code classes} ordered by objects, most first, then by name. */
    static Map<String, ClassTotal> largestFirst(Map<String, ClassTotal> classes) {
        Map<String, ClassTotal> ordered = new LinkedHashMap<>();
        classes.entrySet().stream()
                .sorted(Comparator.comparingLong((Map.Entry<String, ClassTotal> e) ->
                                e.getValue().objects())
                        .reversed()
                        .thenComparing(Map.Entry.comparingByKey()))
                .forEach(e -> ordered.put(e.getKey(), e.getValue()));
        return Collections.unmodifiableMap(ordered);
    }

    /** Sums the batches of a run. */
    static final class Builder {
        private final CollectionKind kind;
        private Outcome outcome = Outcome.COMPLETED;
        private long objects;
        private long bytes;
        private long largeObjects;
        private long blobFiles;
        private final Map<String, ClassTotal> classes = new HashMap<>();

        private Builder(CollectionKind kind) {
            this.kind = kind;
        }

        void add(long deleted, long stateBytes, long unlinked, long files) {
            objects += deleted;
            bytes += stateBytes;
            largeObjects += unlinked;
            blobFiles += files;
        }

        /** Adds what a batch deleted, by class. */
        void addClasses(Map<String, ClassTotal> deleted) {
            deleted.forEach((name, total) -> classes.merge(name, total, ClassTotal::plus));
        }

        Builder outcome(Outcome value) {
            outcome = value;
            return this;
        }

        /** The run as it stands, ended at a batch boundary for {@code reason}. */
        CollectionResult stopped(String reason) {
            outcome = CollectionProgress.CANCELLED.equals(reason) ? Outcome.CANCELLED : Outcome.STOPPED;
            CollectionResult built = build();
            return outcome == Outcome.STOPPED ? built.withNote("Stopped at a batch boundary: " + reason + ".") : built;
        }

        long objects() {
            return objects;
        }

        CollectionResult build() {
            String message = switch (outcome) {
                case FENCE_BUSY -> "Plone kept RelStorage's commit lock busy; the rest waits for the next run.";
                case CANCELLED -> "Cancelled at a batch boundary; every batch before it was committed whole.";
                default -> "";
            };
            return new CollectionResult(
                    kind, outcome, objects, bytes, largeObjects, blobFiles, largestFirst(classes), message, "");
        }
    }
}
