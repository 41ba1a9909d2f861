package io.github.relstoragepacker.collect;

/** A pack was asked for while another one of this instance is still queued or running. */
public final class PackBusyException extends Exception {

    private final long runningJob;

    PackBusyException(long runningJob) {
        super("pack job " + runningJob + " is still under way; one pack runs at a time. Wait for it or cancel it.");
        this.runningJob = runningJob;
    }

    /** The id of the job under way. */
    public long runningJob() {
        return runningJob;
    }
}
