package io.reactivewspool.internal.client;

/**
 * A connection that keeps its inbound messages for whoever holds it. The pool begins a borrow
 * when it hands the connection to a caller and ends it when the caller gives it back, so one
 * borrower's unread messages never reach the next one.
 */
interface BorrowScope {

    /** Messages that find no {@code receive()} subscriber now wait in a fresh bounded buffer for the new holder. */
    void beginBorrow();

    /** The holder is gone: its {@code receive()} subscribers complete, and what it did not read is discarded and counted. */
    void endBorrow();
}
