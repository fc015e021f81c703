package io.reactivewspool.internal.redis;

/** A {@link RedisLink} that could not connect: carries where it tried, for the broker's error. */
final class LinkFailure extends RuntimeException {

    private final String where;

    LinkFailure(String where, Throwable cause) {
        super(cause.getMessage(), cause);
        this.where = where;
    }

    String where() {
        return where;
    }
}
