package io.reactivewspool.server;

/**
 * What one cleanup sweep removed.
 *
 * @param removedStale  open connections without activity for the connection timeout (closed 4000)
 * @param removedFailed connections whose failed sends reached the threshold (closed 1011)
 * @param removedClosed connections that had closed but were still registered
 * @param remaining     connections in the registry after the sweep
 */
public record CleanupReport(int removedStale, int removedFailed, int removedClosed, int remaining) {

    /** All connections the sweep removed. */
    public int removed() {
        return removedStale + removedFailed + removedClosed;
    }
}
